import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { SessionStatus } from './records';
import { STATE_SCRIPTS } from './scripts';

/** A page of `GET /api/sessions`: a scope (fleet or workspace), optional filters, and where to continue. */
export interface SessionListQuery {
  /** One workspace's sessions; undefined: the whole fleet. */
  readonly workspaceId?: number;
  readonly status?: SessionStatus;
  /** A prefix of the session id or of the phone number's digits. */
  readonly search?: string;
  /** The index member the previous page ended at (`decodeCursor` of its cursor). */
  readonly after?: string;
  readonly limit: number;
}

export interface SessionListPage {
  readonly ids: string[];
  /** The cursor of the next page; undefined when this one is the last. */
  readonly nextCursor: string | undefined;
}

/** Index entries read per ZRANGEBYLEX, and examined at most per page (a filtered page may come back short). */
const CHUNK = 256;
const BUDGET = 2_000;
/** Records indexed per backfill script call. */
const BACKFILL_BATCH = 500;
/** An index member: a session id, or "<term> <session id>" (search terms). */
const MEMBER_PATTERN = /^[A-Za-z0-9_-]{1,64}( [A-Za-z0-9_-]{1,64})?$/;

/** The opaque cursor of a page: the index member it ended at, base64url. */
export function encodeCursor(member: string): string {
  return Buffer.from(member, 'utf8').toString('base64url');
}

/** The index member a cursor names; undefined when it is not one this index hands out. */
export function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  return MEMBER_PATTERN.test(member) && encodeCursor(member) === cursor ? member : undefined;
}

/**
 * The session index (`lua/lib/session-index.lua`): sorted sets kept by the scripts that write
 * session records, paged in member order without reading the records that are not shown. A page
 * walks the set that answers its query best: `status:<s>` for a status, `terms` for a search (with
 * the status set as a filter), `all` otherwise.
 */
export class SessionIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async page(query: SessionListQuery): Promise<SessionListPage> {
    const scope = query.workspaceId;
    const search = query.search;
    const statusSet = query.status ? this.keys.sessionIndex(scope, `status:${query.status}`) : undefined;
    const index = search ? this.keys.sessionIndex(scope, 'terms') : (statusSet ?? this.keys.sessionIndex(scope, 'all'));
    const min = query.after !== undefined ? `(${query.after}` : search ? `[${search}` : '-';
    const max = search ? `[${search}\xff` : '+';
    const result = await STATE_SCRIPTS.listSessions.run(this.redis, {
      keys: this.keys,
      index,
      ...(search && statusSet ? { filter: statusSet } : {}),
      min,
      max,
      limit: query.limit,
      chunk: CHUNK,
      budget: BUDGET,
      ...(search ? { search } : {}),
    });
    return { ids: result.ids, nextCursor: result.next === undefined ? undefined : encodeCursor(result.next) };
  }

  /** Indexes every existing record once per cluster (see `SessionStore.buildIndex`). */
  async backfill(): Promise<{ built: boolean; sessions: number }> {
    if ((await this.redis.exists(this.keys.sessionIndexBuilt)) === 1) return { built: false, sessions: 0 };
    let cursor = '0';
    let sessions = 0;
    do {
      const [next, ids] = await this.redis.sscan(this.keys.sessions, cursor, 'COUNT', BACKFILL_BATCH);
      cursor = next;
      if (ids.length > 0) sessions += await STATE_SCRIPTS.indexSessions.run(this.redis, { keys: this.keys, sessionIds: ids });
    } while (cursor !== '0');
    await this.redis.set(this.keys.sessionIndexBuilt, String(Date.now()));
    return { built: true, sessions };
  }
}
