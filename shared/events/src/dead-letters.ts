import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { EVENT_SCRIPTS, type DeadLetter } from './scripts';

export type { DeadLetter } from './scripts';

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
    return EVENT_SCRIPTS.replayDeadLetters.run(this.redis, { keys: this.keys, workspaceId, eventIds, now });
  }

  /** Dead letters queued for replay and not delivered yet. */
  async replaying(workspaceId: number): Promise<number> {
    return this.redis.zcard(this.keys.eventReplay(workspaceId));
  }
}
