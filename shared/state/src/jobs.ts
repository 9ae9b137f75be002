/**
 * Commands carried by a shard's queue. Every handler is idempotent: BullMQ is at-least-once. Each
 * names its session's workspace, so a consumer checks where the job belongs (its shard, or the
 * worker its workspace is pinned to) without reading the session record, and the session's
 * incarnation, so a job of an earlier session under the same id (deleted, then created again) is
 * dropped instead of acting on the new one. Jobs queued before these existed lack them.
 */
export interface SessionJob {
  readonly sessionId: string;
  /** Absent only in jobs queued by versions that did not carry it: routed from the session record. */
  readonly workspaceId?: number;
  readonly incarnation?: string;
}
export type SessionStartJob = SessionJob;
export type SessionStopJob = SessionJob;
export type SessionLogoutJob = SessionJob;
/**
 * A message was queued in the session's outbox: its sender, if the session is connected, sends the
 * outbox (in order). The message itself lives in the ledger, never in the job.
 */
export interface MessageSendJob extends SessionJob {
  readonly messageId: string;
}

/**
 * Which of a list of phone numbers are on WhatsApp, asked over the session's socket. The phones are in
 * the request (`SessionRequests`, under `requestId`); past `deadline` (ms) nobody waits for the answer.
 */
export interface ContactsCheckJob extends SessionJob {
  readonly requestId: string;
  readonly deadline: number;
}

/**
 * The jobs of a shard's queue. `session.logout` is a delete's (log out, then remove everything);
 * `session.unlink` is the API's logout (unlink the device, keep the record: `logged_out`).
 */
export interface ShardJobs {
  'session.start': SessionStartJob;
  'session.stop': SessionStopJob;
  'session.logout': SessionLogoutJob;
  'session.restart': SessionJob;
  'session.unlink': SessionJob;
  'session.pair': SessionJob;
  'message.send': MessageSendJob;
  'contacts.check': ContactsCheckJob;
}
export type ShardJobName = keyof ShardJobs;
export const SHARD_JOB_NAMES: readonly ShardJobName[] = [
  'session.start',
  'session.stop',
  'session.logout',
  'session.restart',
  'session.unlink',
  'session.pair',
  'message.send',
  'contacts.check',
];

/** A job whose name or data is not what Fleet enqueues: it is failed, never retried. */
export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError';
  readonly code = 'INVALID_JOB';
}

/** Checks a job read from a queue (the boundary between BullMQ's untyped data and Fleet's types). */
export function parseShardJob(name: string, data: unknown): { [N in ShardJobName]: { readonly name: N; readonly data: ShardJobs[N] } }[ShardJobName] {
  if (!(SHARD_JOB_NAMES as readonly string[]).includes(name)) throw new InvalidJobError(`unknown job name ${JSON.stringify(name)}`);
  const fields = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const { sessionId, workspaceId, incarnation, messageId, requestId, deadline } = fields;
  if (typeof sessionId !== 'string' || sessionId === '') throw new InvalidJobError(`${name}: sessionId must be a non-empty string`);
  if (workspaceId !== undefined && (typeof workspaceId !== 'number' || !Number.isSafeInteger(workspaceId))) {
    throw new InvalidJobError(`${name}: workspaceId must be an integer`);
  }
  if (incarnation !== undefined && typeof incarnation !== 'string') throw new InvalidJobError(`${name}: incarnation must be a string`);
  const base: SessionJob = {
    sessionId,
    ...(workspaceId === undefined ? {} : { workspaceId }),
    ...(incarnation === undefined ? {} : { incarnation }),
  };
  if (name === 'contacts.check') {
    if (typeof requestId !== 'string' || requestId === '') throw new InvalidJobError('contacts.check: requestId must be a non-empty string');
    if (typeof deadline !== 'number' || !Number.isFinite(deadline)) throw new InvalidJobError('contacts.check: deadline must be a number');
    return { name, data: { ...base, requestId, deadline } };
  }
  if (name !== 'message.send') return { name: name as Exclude<ShardJobName, 'message.send' | 'contacts.check'>, data: base };
  if (typeof messageId !== 'string' || messageId === '') throw new InvalidJobError('message.send: messageId must be a non-empty string');
  return { name, data: { ...base, messageId } };
}

/** The job naming a session: its id, workspace and incarnation. */
export function sessionJob(record: { readonly sessionId: string; readonly workspaceId: number; readonly incarnation: string }): SessionJob {
  return { sessionId: record.sessionId, workspaceId: record.workspaceId, ...(record.incarnation ? { incarnation: record.incarnation } : {}) };
}

/** Job ids may not contain `:` nor be all digits (BullMQ); ours are `<kind>-<id>[-<suffix>]`. */
export function jobId(kind: string, id: string, suffix?: string | number): string {
  return suffix === undefined ? `${kind}-${id}` : `${kind}-${id}-${suffix}`;
}
