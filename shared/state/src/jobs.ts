/**
 * Commands carried by a shard's queue. Every handler is idempotent: BullMQ is at-least-once. Each
 * names its session's workspace, so a consumer checks where the job belongs (its shard, or the
 * worker its workspace is pinned to) without reading the session record; jobs queued before the
 * workspace was carried lack it and are routed from the record.
 */
export interface SessionJob {
  readonly sessionId: string;
  readonly workspaceId: number;
}
export type SessionStartJob = SessionJob;
export type SessionStopJob = SessionJob;
export type SessionLogoutJob = SessionJob;
export interface MessageSendJob extends SessionJob {
  readonly messageId: string;
  readonly to: string;
  readonly text: string;
}

export interface ShardJobs {
  'session.start': SessionStartJob;
  'session.stop': SessionStopJob;
  'session.logout': SessionLogoutJob;
  'message.send': MessageSendJob;
}
export type ShardJobName = keyof ShardJobs;
export const SHARD_JOB_NAMES: readonly ShardJobName[] = ['session.start', 'session.stop', 'session.logout', 'message.send'];

/** Job ids may not contain `:` nor be all digits (BullMQ); ours are `<kind>-<id>[-<suffix>]`. */
export function jobId(kind: string, id: string, suffix?: string | number): string {
  return suffix === undefined ? `${kind}-${id}` : `${kind}-${id}-${suffix}`;
}
