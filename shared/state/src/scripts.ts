import path from 'node:path';
import type { Keys } from '@fleet/keys';
import { readLua, reply, TypedScript } from '@fleet/redis';
import { parseSession, type SessionRecord } from './records';

/** The state package's Lua files (`lua/`, beside `src/`; found from `dist/src` too). */
const LUA_DIR = path.resolve(__dirname, '..', '..', 'lua');

const source = (name: string): string => readLua(LUA_DIR, name);

interface Base {
  readonly keys: Keys;
}

/** `created` and `exists` come with the record as it is after the call (no second read needed). */
export type CreateOutcome =
  | { readonly kind: 'created'; readonly record: SessionRecord }
  | { readonly kind: 'exists'; readonly status: string; readonly record: SessionRecord }
  | { readonly kind: 'deleting' }
  | { readonly kind: 'conflict' };

/** A session record from an HGETALL reply inside a script's reply (a flat name, value list). */
function recordFrom(raw: unknown): SessionRecord {
  const items = reply.array(raw).map((item) => reply.string(item));
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < items.length; i += 2) fields[items[i]!] = items[i + 1]!;
  const record = parseSession(fields);
  if (!record) throw new TypeError('create-session replied without the record');
  return record;
}

export interface CreateSessionInput extends Base {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly accountId: string;
  readonly shard: number;
  readonly now: number;
  /** A new random id for this creation (jobs and messages of an earlier session under the id differ). */
  readonly incarnation: string;
  /** Optional fields written only when the record is created (name → value). */
  readonly extra: Readonly<Record<string, string>>;
}

/** Fields of a session record to change: `remove` deleted first, then `set` (name → value) written. */
export interface SessionFieldsInput extends Base {
  readonly sessionId: string;
  readonly remove: readonly string[];
  readonly set: Readonly<Record<string, string>>;
  /** Publish the session id on `keys.sessionChanges` once written, in the same step. */
  readonly announce: boolean;
}

/** A fenced change: written only while the record's epoch is still `epoch`. */
export interface FencedFieldsInput extends SessionFieldsInput {
  readonly epoch: number;
}

/** `missing`: the record is gone (never recreated); `stale`: another run of the session took over. */
export type UpdateOutcome = 'written' | 'missing' | 'stale';

export interface CountShardSessionsInput extends Base {
  readonly shardCount: number;
}

export type TakeResult =
  | { readonly taken: true; readonly epoch: number }
  | { readonly taken: false; readonly reason: 'held'; readonly holder: string }
  /** `restoring`: a restore is replacing the session's files; like `held`, try again later. */
  | { readonly taken: false; readonly reason: 'not_registered' | 'no_session' | 'restoring' };

export interface TakeLeaseInput extends Base {
  readonly sessionId: string;
  /** The taker: its instance id and the incarnation it is registered under. */
  readonly instanceId: string;
  readonly incarnation: string;
  readonly now: number;
  /**
   * The desired state the taker acts on: 'running' to run it, 'deleted' to log its device out before
   * the session is removed, 'logged_out' to unlink its device on the API's logout.
   */
  readonly purpose: 'running' | 'deleted' | 'logged_out';
  /** Lowest epoch to hand out (0: the next one). */
  readonly minEpoch: number;
}

export interface ReleaseLeaseInput extends Base {
  readonly sessionId: string;
  readonly owner: string;
  readonly epoch: number;
}

export type LockOutcome = { readonly locked: true } | { readonly locked: false; readonly heldBy: string };

export interface RestoreLocksInput extends Base {
  readonly sessionIds: readonly string[];
  readonly token: string;
}

export interface RestoreLocksTtlInput extends RestoreLocksInput {
  readonly ttlMs: number;
}

const TAKE_REFUSALS = { [-1]: 'not_registered', [-2]: 'no_session', [-3]: 'restoring' } as const;

/** ARGV of a field change (lua/lib/update-fields.lua): how many to delete, their names, then pairs. */
function fieldArgs(input: SessionFieldsInput): string[] {
  return [String(input.remove.length), ...input.remove, ...Object.entries(input.set).flat()];
}

/** What both update scripts take first: the index prefix, then the channel to announce on ('' for none) and the session id. */
function updateHeader(input: SessionFieldsInput): string[] {
  return [input.keys.sessionIndexPrefix, input.announce ? input.keys.sessionChanges : '', input.sessionId];
}

export interface RemoveSessionInput extends Base {
  readonly sessionId: string;
  readonly shard: number;
  readonly workspaceId: number;
}

export interface IndexSessionsInput extends Base {
  readonly sessionIds: readonly string[];
}

/** One page of the session index: which set is walked, between which bounds, filtered how. */
export interface ListSessionsInput extends Base {
  /** The index walked (`keys.sessionIndex(…)`). */
  readonly index: string;
  /** A status set every result must be in, if any. */
  readonly filter?: string;
  /** ZRANGEBYLEX bounds. */
  readonly min: string;
  readonly max: string;
  readonly limit: number;
  /** Entries read per ZRANGEBYLEX, and examined at most per page. */
  readonly chunk: number;
  readonly budget: number;
  /** The search prefix when `index` is a `terms` set. */
  readonly search?: string;
}

export interface SessionPage {
  readonly ids: string[];
  /** The index member to continue after; undefined when the walk reached the end. */
  readonly next: string | undefined;
}

function written(name: string, raw: unknown): UpdateOutcome {
  const code = reply.number(raw);
  if (code === 1) return 'written';
  if (code === 0) return 'missing';
  if (code === -1) return 'stale';
  throw new TypeError(`${name} replied ${code}`);
}

const restoreLockKeys = (input: RestoreLocksInput): string[] => input.sessionIds.map((id) => input.keys.restoreLock(id));

/** Every Lua script of the state package, each documented in its `lua/<name>.lua` header. */
export const STATE_SCRIPTS = {
  createSession: new TypedScript<CreateSessionInput, CreateOutcome>({
    name: 'create-session',
    source: source('create-session'),
    keys: (i) => [i.keys.session(i.sessionId), i.keys.sessions, i.keys.shardSessions(i.shard), i.keys.workspaceSessions(i.workspaceId)],
    args: (i) => [i.sessionId, i.workspaceId, i.accountId, i.shard, i.now, i.incarnation, i.keys.sessionIndexPrefix, ...Object.entries(i.extra).flat()],
    parse: (raw) => {
      const [rawKind, rawStatus, fields] = reply.array(raw);
      const kind = reply.string(rawKind);
      if (kind === 'exists') return { kind, status: reply.string(rawStatus), record: recordFrom(fields) };
      if (kind === 'created') return { kind, record: recordFrom(fields) };
      if (kind === 'deleting' || kind === 'conflict') return { kind };
      throw new TypeError(`create-session replied ${kind}`);
    },
  }),
  countShardSessions: new TypedScript<CountShardSessionsInput, number[]>({
    name: 'count-shard-sessions',
    source: source('count-shard-sessions'),
    keys: (i) => Array.from({ length: i.shardCount }, (_, shard) => i.keys.shardSessions(shard)),
    args: () => [],
    parse: (raw) => reply.array(raw).map((count) => reply.number(count)),
  }),
  updateIfExists: new TypedScript<SessionFieldsInput, 'written' | 'missing'>({
    name: 'update-if-exists',
    source: source('update-if-exists'),
    keys: (i) => [i.keys.session(i.sessionId)],
    args: (i) => [...updateHeader(i), ...fieldArgs(i)],
    parse: (raw) => (reply.flag(raw) ? 'written' : 'missing'),
  }),
  updateIfEpoch: new TypedScript<FencedFieldsInput, UpdateOutcome>({
    name: 'update-if-epoch',
    source: source('update-if-epoch'),
    keys: (i) => [i.keys.session(i.sessionId)],
    args: (i) => [...updateHeader(i), i.epoch, ...fieldArgs(i)],
    parse: (raw) => written('update-if-epoch', raw),
  }),
  removeSession: new TypedScript<RemoveSessionInput, boolean>({
    name: 'remove-session',
    source: source('remove-session'),
    keys: (i) => [i.keys.session(i.sessionId), i.keys.sessions, i.keys.shardSessions(i.shard), i.keys.workspaceSessions(i.workspaceId)],
    args: (i) => [i.keys.sessionIndexPrefix, i.sessionId, i.keys.sessionChanges],
    parse: (raw) => reply.flag(raw),
  }),
  indexSessions: new TypedScript<IndexSessionsInput, number>({
    name: 'index-sessions',
    source: source('index-sessions'),
    keys: (i) => i.sessionIds.map((id) => i.keys.session(id)),
    args: (i) => [i.keys.sessionIndexPrefix],
    parse: (raw) => reply.number(raw),
  }),
  listSessions: new TypedScript<ListSessionsInput, SessionPage>({
    name: 'list-sessions',
    source: source('list-sessions'),
    keys: (i) => [i.index, i.filter ?? i.index],
    args: (i) => [i.min, i.max, i.limit, i.chunk, i.budget, i.filter ? '1' : '0', i.search ?? ''],
    parse: (raw) => {
      const [next, ...ids] = reply.array(raw).map((item) => reply.string(item));
      return { ids, next: next ? next : undefined };
    },
  }),
  takeLease: new TypedScript<TakeLeaseInput, TakeResult>({
    name: 'take-lease',
    source: source('take-lease'),
    keys: (i) => [i.keys.lease(i.sessionId), i.keys.session(i.sessionId), i.keys.worker(i.instanceId), i.keys.restoreLock(i.sessionId)],
    args: (i) => [i.instanceId, i.incarnation, i.keys.worker(''), i.now, i.purpose, i.minEpoch, i.keys.sessionIndexPrefix],
    parse: (raw) => {
      const [code, value] = reply.array(raw);
      const outcome = reply.number(code);
      if (outcome === 1) return { taken: true, epoch: reply.number(value) };
      if (outcome === 0) return { taken: false, reason: 'held', holder: reply.string(value) };
      if (outcome === -1 || outcome === -2 || outcome === -3) return { taken: false, reason: TAKE_REFUSALS[outcome] };
      throw new TypeError(`take-lease replied ${outcome}`);
    },
  }),
  releaseLease: new TypedScript<ReleaseLeaseInput, boolean>({
    name: 'release-lease',
    source: source('release-lease'),
    keys: (i) => [i.keys.lease(i.sessionId)],
    args: (i) => [i.owner, i.epoch, i.keys.leaseChannel, i.sessionId],
    parse: (raw) => reply.flag(raw),
  }),
  lockRestore: new TypedScript<RestoreLocksTtlInput, LockOutcome>({
    name: 'lock-restore',
    source: source('lock-restore'),
    keys: restoreLockKeys,
    args: (i) => [i.token, i.ttlMs],
    parse: (raw, i) => {
      const conflict = reply.number(raw);
      if (conflict === 0) return { locked: true };
      const heldBy = i.sessionIds[conflict - 1];
      if (heldBy === undefined) throw new TypeError(`lock-restore replied ${conflict} for ${i.sessionIds.length} keys`);
      return { locked: false, heldBy };
    },
  }),
  refreshRestore: new TypedScript<RestoreLocksTtlInput, number>({
    name: 'refresh-restore',
    source: source('refresh-restore'),
    keys: restoreLockKeys,
    args: (i) => [i.token, i.ttlMs],
    parse: (raw) => reply.number(raw),
  }),
  unlockRestore: new TypedScript<RestoreLocksInput, number>({
    name: 'unlock-restore',
    source: source('unlock-restore'),
    keys: restoreLockKeys,
    args: (i) => [i.token],
    parse: (raw) => reply.number(raw),
  }),
} as const;
