import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { FleetEvent } from './catalogue';
import { SCRIPTS } from './scripts';

/**
 * An event whose deliveries were exhausted (24 hours of retries by default). Kept under the dispatcher's
 * dead-letter retention (DISPATCHER_RETAIN_DEAD_LETTERS per workspace, DISPATCHER_RETAIN_DEAD_LETTERS_MS).
 */
export interface DeadLetter {
  readonly event: FleetEvent;
  readonly attempts: number;
  readonly last_error: string;
  readonly first_failed_at: number;
  readonly dead_at: number;
}

/** The dead letters of each workspace: listed, and replayed on request. */
export class DeadLetterStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** Dead letters oldest sequence first; `total` counts them all. */
  async list(workspaceId: number, limit = 100): Promise<{ total: number; items: DeadLetter[] }> {
    const raw = await this.redis.hvals(this.keys.eventDeadLetters(workspaceId));
    const items = raw.flatMap((value) => {
      try {
        return [JSON.parse(value) as DeadLetter];
      } catch {
        return [];
      }
    });
    items.sort((a, b) => a.event.sequence - b.event.sequence);
    return { total: items.length, items: items.slice(0, limit) };
  }

  /** Queues the given dead letters (or all) for redelivery, ahead of newer events; returns how many. */
  async replay(workspaceId: number, eventIds: readonly string[] = [], now = Date.now()): Promise<number> {
    const keys = [this.keys.eventDeadLetters(workspaceId), this.keys.eventReplay(workspaceId), this.keys.eventsPending, this.keys.eventDeadLetterAges(workspaceId)];
    const args = [workspaceId, now, this.keys.eventsChannel, ...eventIds];
    return Number(await SCRIPTS.replayDeadLetters.run(this.redis, keys, args));
  }

  /** Dead letters queued for replay and not delivered yet. */
  async replaying(workspaceId: number): Promise<number> {
    return this.redis.zcard(this.keys.eventReplay(workspaceId));
  }
}
