import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { STATE_SCRIPTS, type CreateOutcome } from './scripts';
import { parseSession, type DesiredState, type SealedProxy, type SessionRecord, type SessionStatus } from './records';
import { SessionIndex, type SessionListQuery, type SessionListPage } from './session-index';

export type { CreateOutcome } from './scripts';

export interface NewSession {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly accountId: string;
  readonly shard: number;
  /** Link by pairing code with this phone number (E.164 digits) instead of a QR scan. */
  readonly pairingPhone?: string;
  /** The session's proxy, sealed. */
  readonly proxy?: SealedProxy;
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
  readonly pairingPhone?: string | null;
  readonly pairingCode?: string | null;
  readonly pairingCodeExpiresAt?: number | null;
  /** Sets (or, null, removes) the sealed proxy and its scheme and host. */
  readonly proxy?: SealedProxy | null;
}

const FIELD_NAMES: Record<Exclude<keyof SessionUpdate, 'proxy'>, string> = {
  status: 'status',
  qr: 'qr',
  qrExpiresAt: 'qr_expires_at',
  phone: 'phone',
  owner: 'owner',
  epoch: 'epoch',
  lastError: 'last_error',
  desired: 'desired',
  pairingPhone: 'pairing_phone',
  pairingCode: 'pairing_code',
  pairingCodeExpiresAt: 'pairing_code_expires_at',
};

const PROXY_FIELDS = ['proxy_sealed', 'proxy_scheme', 'proxy_host'] as const;

/** Whether an update changes what a client waits for (status, QR, phone, pairing code): those are announced. */
function announces(update: SessionUpdate): boolean {
  return update.status !== undefined || update.qr !== undefined || update.phone !== undefined || update.pairingCode !== undefined;
}

function proxyFields(proxy: SealedProxy): Record<(typeof PROXY_FIELDS)[number], string> {
  return { proxy_sealed: proxy.sealed, proxy_scheme: proxy.scheme, proxy_host: proxy.host };
}

/** The record fields of an update: those to remove (null) and those to set. */
function fieldsOf(update: SessionUpdate, now: number): { remove: string[]; set: Record<string, string> } {
  const set: Record<string, string> = { updated_at: String(now) };
  const remove: string[] = [];
  for (const [name, value] of Object.entries(update) as Array<[keyof SessionUpdate, unknown]>) {
    if (value === undefined) continue;
    if (name === 'proxy') {
      if (value === null) remove.push(...PROXY_FIELDS);
      else Object.assign(set, proxyFields(value as SealedProxy));
    } else if (value === null) remove.push(FIELD_NAMES[name]);
    else set[FIELD_NAMES[name]] = String(value);
  }
  return { remove, set };
}

/** Session records in Redis: read by the ingress directly, written by the owning worker. */
export class SessionStore {
  private readonly index: SessionIndex;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {
    this.index = new SessionIndex(redis, keys);
  }

  async create(session: NewSession, now = Date.now()): Promise<CreateOutcome> {
    const { pairingPhone, proxy, ...fields } = session;
    const extra: Record<string, string> = {
      ...(pairingPhone ? { pairing_phone: pairingPhone } : {}),
      ...(proxy ? proxyFields(proxy) : {}),
    };
    return STATE_SCRIPTS.createSession.run(this.redis, { ...fields, keys: this.keys, now, incarnation: randomBytes(8).toString('hex'), extra });
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    return parseSession(await this.redis.hgetall(this.keys.session(sessionId)));
  }

  /** The records of `sessionIds` that exist, in the order given. */
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
   * is fenced: it is refused (false) unless the record's epoch is still that one. The record's index
   * entries (the lists) follow its status and phone in the same step.
   */
  async update(sessionId: string, update: SessionUpdate, now = Date.now(), epoch?: number): Promise<boolean> {
    // Announced by the script itself, after the write and only when it is applied: a listener re-reads
    // the record when it hears this. A PUBLISH sent beside the script overtook the write whenever Redis
    // did not know the script yet (EVALSHA answered NOSCRIPT, the PUBLISH went through, the write came a
    // round trip later as EVAL, after the listener's read: issue 15, item 4); sent after its answer, it
    // cost a round trip of its own per change.
    const fields = { keys: this.keys, sessionId, ...fieldsOf(update, now), announce: announces(update) };
    const result =
      epoch === undefined
        ? await STATE_SCRIPTS.updateIfExists.run(this.redis, fields)
        : await STATE_SCRIPTS.updateIfEpoch.run(this.redis, { ...fields, epoch });
    return result === 'written';
  }

  /** Removes the record, its index entries and set memberships, and announces it (a long poll ends). */
  async remove(record: Pick<SessionRecord, 'sessionId' | 'shard' | 'workspaceId'>): Promise<void> {
    await STATE_SCRIPTS.removeSession.run(this.redis, { keys: this.keys, sessionId: record.sessionId, shard: record.shard, workspaceId: record.workspaceId });
  }

  /** One page of sessions from the index, in its order, with the cursor of the next page. */
  async list(query: SessionListQuery): Promise<{ records: SessionRecord[]; nextCursor: string | undefined }> {
    const page: SessionListPage = await this.index.page(query);
    return { records: await this.getMany(page.ids), nextCursor: page.nextCursor };
  }

  /**
   * Indexes every record written before the index existed, once per cluster (a marker remembers it);
   * records written since index themselves. Safe to run from several processes at once.
   */
  async buildIndex(): Promise<{ built: boolean; sessions: number }> {
    return this.index.backfill();
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
