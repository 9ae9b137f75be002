import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { STATE_SCRIPTS, type CreateOutcome } from './scripts';
import { parseSession, type DesiredState, type SessionRecord, type SessionStatus } from './records';

export type { CreateOutcome } from './scripts';

export interface NewSession {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly accountId: string;
  readonly shard: number;
}

/** Fields a worker may update on a session record. */
export interface SessionUpdate {
  readonly status?: SessionStatus;
  readonly qr?: string | null;
  readonly qrExpiresAt?: number | null;
  readonly phone?: string | null;
  readonly owner?: string | null;
  readonly epoch?: number;
  readonly lastError?: string | null;
  readonly desired?: DesiredState;
}

const FIELD_NAMES: Record<keyof SessionUpdate, string> = {
  status: 'status',
  qr: 'qr',
  qrExpiresAt: 'qr_expires_at',
  phone: 'phone',
  owner: 'owner',
  epoch: 'epoch',
  lastError: 'last_error',
  desired: 'desired',
};

/** Whether an update changes what a client waits for (status, QR, phone): those are announced. */
function announces(update: SessionUpdate): boolean {
  return update.status !== undefined || update.qr !== undefined || update.phone !== undefined;
}

/** Session records in Redis: read by the ingress directly, written by the owning worker. */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async create(session: NewSession, now = Date.now()): Promise<CreateOutcome> {
    return STATE_SCRIPTS.createSession.run(this.redis, { ...session, keys: this.keys, now, incarnation: randomBytes(8).toString('hex') });
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    return parseSession(await this.redis.hgetall(this.keys.session(sessionId)));
  }

  async getMany(sessionIds: readonly string[]): Promise<SessionRecord[]> {
    if (sessionIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of sessionIds) pipeline.hgetall(this.keys.session(id));
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([error, fields]) => {
      const record = error ? undefined : parseSession(fields as Record<string, string>);
      return record ? [record] : [];
    });
  }

  /**
   * Updates fields of an existing record; a missing record is not recreated. With `epoch`, the write
   * is fenced: it is refused (false) unless the record's epoch is still that one.
   */
  async update(sessionId: string, update: SessionUpdate, now = Date.now(), epoch?: number): Promise<boolean> {
    const set: Record<string, string> = { updated_at: String(now) };
    const remove: string[] = [];
    for (const [name, value] of Object.entries(update) as Array<[keyof SessionUpdate, unknown]>) {
      if (value === undefined) continue;
      if (value === null) remove.push(FIELD_NAMES[name]);
      else set[FIELD_NAMES[name]] = String(value);
    }
    const fields = { keys: this.keys, sessionId, remove, set };
    const result = epoch === undefined
      ? await STATE_SCRIPTS.updateIfExists.run(this.redis, fields)
      : await STATE_SCRIPTS.updateIfEpoch.run(this.redis, { ...fields, epoch });
    // Announced only once the write is applied: a listener re-reads the record when it hears this.
    // Sent with the write instead, it overtook the write whenever Redis did not know the script yet
    // (a fresh Redis, a restart, a failover): EVALSHA answered NOSCRIPT, the PUBLISH went through,
    // and the write came one round trip later as EVAL, after the listener's read (issue 15, item 4).
    if (result === 'written' && announces(update)) await this.redis.publish(this.keys.sessionChanges, sessionId);
    return result === 'written';
  }

  /** Removes the record and its index entries, and announces it (a long poll ends). */
  async remove(record: Pick<SessionRecord, 'sessionId' | 'shard' | 'workspaceId'>): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.session(record.sessionId))
      .srem(this.keys.sessions, record.sessionId)
      .srem(this.keys.shardSessions(record.shard), record.sessionId)
      .srem(this.keys.workspaceSessions(record.workspaceId), record.sessionId)
      .publish(this.keys.sessionChanges, record.sessionId)
      .exec();
  }

  async idsInShard(shard: number): Promise<string[]> {
    return this.redis.smembers(this.keys.shardSessions(shard));
  }

  async idsInWorkspace(workspaceId: number): Promise<string[]> {
    return this.redis.smembers(this.keys.workspaceSessions(workspaceId));
  }

  /** Every worker id that ever registered (live or not). */
  async knownWorkers(): Promise<string[]> {
    return this.redis.smembers(this.keys.workers);
  }

  /** Number of sessions in each shard, index = shard; one script call, however many shards. */
  async countsByShard(shardCount: number): Promise<number[]> {
    return STATE_SCRIPTS.countShardSessions.run(this.redis, { keys: this.keys, shardCount });
  }
}
