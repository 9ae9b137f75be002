import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { FleetEvent } from './catalogue';
import { parseEntry } from './event-log';
import { parseWebhook, type Webhook } from './webhook-store';
import { EVENT_SCRIPTS, type DeadLetter, type ParkOutcome, type RetryState } from './scripts';

export type { ParkOutcome, RetryState } from './scripts';

/** One event to deliver; `replayMember` is set for a replayed dead letter. */
export interface DeliveryItem {
  readonly event: FleetEvent;
  readonly replayMember?: string;
}

/** What a turn on a workspace starts from, read in one round trip. */
export interface TurnStart {
  readonly cursor: number;
  readonly retry: RetryState | undefined;
  readonly webhook: Webhook | undefined;
}

/** The ledger's settings (the dispatcher passes its configuration; its defaults are in its config). */
export interface DeliveryLedgerOptions {
  /** How long a workspace lock lasts without being extended. */
  readonly lockMs: number;
  /** Delivered events kept per workspace (and events of a workspace with no receiver). */
  readonly retainEvents: number;
  /** Most dead letters kept per workspace; the oldest go first. */
  readonly retainDeadLetters: number;
  /** Oldest dead letter kept (ms since it was dead-lettered). */
  readonly retainDeadLettersMs: number;
}

/**
 * The dispatcher's side of the event log: which workspaces have work, a lock per workspace so one
 * dispatcher at a time delivers it (in order), its cursor, retry state and dead letters. Every
 * write that depends on holding the lock is a Lua script that checks the lock's token first.
 */
export class DeliveryLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly options: DeliveryLedgerOptions,
  ) {}

  async dueWorkspaces(now: number, limit: number): Promise<number[]> {
    return (await this.redis.zrangebyscore(this.keys.eventsPending, '-inf', now, 'LIMIT', 0, limit)).map(Number);
  }

  /** Time (ms) at which the earliest pending workspace is due, if any. */
  async nextDueAt(): Promise<number | undefined> {
    const [, score] = await this.redis.zrange(this.keys.eventsPending, 0, 0, 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }

  async pendingCount(): Promise<number> {
    return this.redis.zcard(this.keys.eventsPending);
  }

  async lock(workspaceId: number, token: string): Promise<boolean> {
    return (await this.redis.set(this.keys.eventLock(workspaceId), token, 'PX', this.options.lockMs, 'NX')) === 'OK';
  }

  async cursor(workspaceId: number): Promise<number> {
    return Number((await this.redis.hget(this.keys.eventCursors, String(workspaceId))) ?? 0);
  }

  /** The workspace's cursor, head retry state and webhook, in one round trip. */
  async begin(workspaceId: number): Promise<TurnStart> {
    const results =
      (await this.redis
        .pipeline()
        .hget(this.keys.eventCursors, String(workspaceId))
        .hgetall(this.keys.eventRetry(workspaceId))
        .hgetall(this.keys.webhook(workspaceId))
        .exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    return {
      cursor: Number(results[0]?.[1] ?? 0),
      retry: parseRetry((results[1]?.[1] ?? {}) as Record<string, string>),
      webhook: parseWebhook((results[2]?.[1] ?? {}) as Record<string, string>),
    };
  }

  /** The next events to deliver: queued replays first (oldest first), else the stream after `cursor`. */
  async nextBatch(workspaceId: number, cursor: number, limit: number): Promise<DeliveryItem[]> {
    const results =
      (await this.redis
        .pipeline()
        .zrange(this.keys.eventReplay(workspaceId), 0, limit - 1)
        .xrange(this.keys.eventStream(workspaceId), `${cursor + 1}-0`, '+', 'COUNT', limit)
        .exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    const replay = (results[0]?.[1] ?? []) as string[];
    if (replay.length > 0) {
      return replay.flatMap((member) => {
        try {
          return [{ event: JSON.parse(member) as FleetEvent, replayMember: member }];
        } catch {
          return [];
        }
      });
    }
    const entries = (results[1]?.[1] ?? []) as Array<[string, string[]]>;
    return entries.flatMap(([entryId, fields]) => parseEntry(workspaceId, entryId, fields).map((event) => ({ event })));
  }

  async retryState(workspaceId: number): Promise<RetryState | undefined> {
    return parseRetry(await this.redis.hgetall(this.keys.eventRetry(workspaceId)));
  }

  /** Done with `item` (delivered or filtered, or dead-lettered when `dead` is given); false if the lock was lost. */
  async settle(workspaceId: number, token: string, item: DeliveryItem, dead?: DeadLetter): Promise<boolean> {
    const { lockMs, retainEvents, retainDeadLetters, retainDeadLettersMs } = this.options;
    return EVENT_SCRIPTS.settleEvent.run(this.redis, {
      keys: this.keys,
      workspaceId,
      token,
      sequence: item.event.sequence,
      eventId: item.event.id,
      replayMember: item.replayMember,
      deadLetter: dead,
      lockMs,
      retainEvents,
      retainDeadLetters,
      retainDeadLettersMs,
    });
  }

  /** Releases the workspace until `at`, recording the head event's retry state when given. */
  async defer(workspaceId: number, token: string, at: number, retry?: RetryState): Promise<boolean> {
    return EVENT_SCRIPTS.deferWorkspace.run(this.redis, { keys: this.keys, workspaceId, token, at, retry });
  }

  /**
   * 'parked' when nothing is left (events that aged out of the stream undelivered are skipped and
   * counted), 'more' when events arrived meanwhile, 'lost' when the lock is gone.
   */
  async park(workspaceId: number, token: string): Promise<ParkOutcome> {
    return EVENT_SCRIPTS.parkWorkspace.run(this.redis, { keys: this.keys, workspaceId, token });
  }

  /**
   * Trims a workspace that has no receiver to its newest `retainEvents` events: nobody but a
   * catch-up reader (GET /api/events) is waiting for them, so they get the catch-up retention.
   * Returns how many were removed.
   */
  async trimUnwatched(workspaceId: number): Promise<number> {
    return this.redis.xtrim(this.keys.eventStream(workspaceId), 'MAXLEN', this.options.retainEvents);
  }
}

function parseRetry(fields: Record<string, string>): RetryState | undefined {
  if (!fields.event_id) return undefined;
  return {
    eventId: fields.event_id,
    attempts: Number(fields.attempts ?? 0),
    firstFailedAt: Number(fields.first_failed_at ?? 0),
    lastError: fields.last_error ?? '',
  };
}
