import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { FleetEvent } from './catalogue';
import type { DeadLetter } from './dead-letters';
import { parseEntry } from './event-log';
import { parseWebhook, type Webhook } from './webhook-store';
import { SCRIPTS } from './scripts';

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

/** What parking a workspace did; `skipped` counts events that aged out of the stream before delivery. */
export type ParkOutcome =
  | { readonly state: 'parked'; readonly skipped: number }
  | { readonly state: 'more' | 'lost'; readonly skipped: 0 };

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

export interface RetryState {
  readonly eventId: string;
  readonly attempts: number;
  readonly firstFailedAt: number;
  readonly lastError: string;
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
    const results = (await this.redis
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
    const results = (await this.redis
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
    const keys = [
      this.keys.eventLock(workspaceId),
      this.keys.eventCursors,
      this.keys.eventRetry(workspaceId),
      this.keys.eventStream(workspaceId),
      this.keys.eventReplay(workspaceId),
      this.keys.eventDeadLetters(workspaceId),
      this.keys.eventDeadLetterAges(workspaceId),
    ];
    const { lockMs, retainEvents, retainDeadLetters, retainDeadLettersMs } = this.options;
    const args = [
      token, workspaceId, item.event.sequence, lockMs, retainEvents,
      item.replayMember ?? '', item.event.id, dead ? JSON.stringify(dead) : '', dead?.dead_at ?? 0, retainDeadLetters, retainDeadLettersMs,
    ];
    return (await SCRIPTS.settleEvent.run(this.redis, keys, args)) === 1;
  }

  /** Releases the workspace until `at`, recording the head event's retry state when given. */
  async defer(workspaceId: number, token: string, at: number, retry?: RetryState): Promise<boolean> {
    const fields = retry
      ? ['event_id', retry.eventId, 'attempts', retry.attempts, 'first_failed_at', retry.firstFailedAt, 'last_error', retry.lastError]
      : [];
    const keys = [this.keys.eventLock(workspaceId), this.keys.eventRetry(workspaceId), this.keys.eventsPending];
    return (await SCRIPTS.deferWorkspace.run(this.redis, keys, [token, workspaceId, at, ...fields])) === 1;
  }

  /**
   * 'parked' when nothing is left (events that aged out of the stream undelivered are skipped and
   * counted), 'more' when events arrived meanwhile, 'lost' when the lock is gone.
   */
  async park(workspaceId: number, token: string): Promise<ParkOutcome> {
    const keys = [
      this.keys.eventLock(workspaceId),
      this.keys.eventSequence(workspaceId),
      this.keys.eventCursors,
      this.keys.eventReplay(workspaceId),
      this.keys.eventsPending,
      this.keys.eventStream(workspaceId),
      this.keys.eventRetry(workspaceId),
    ];
    const [state, skipped] = (await SCRIPTS.parkWorkspace.run(this.redis, keys, [token, workspaceId])) as [number, number];
    if (state === 0) return { state: 'parked', skipped: Number(skipped) };
    return { state: state === 1 ? 'more' : 'lost', skipped: 0 };
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
