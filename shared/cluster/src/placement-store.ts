import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { placeShards, type Placement } from '@fleet/ring';

/** The placement table in force: which worker owns each shard, for which set of workers. */
export interface PlacementTable {
  readonly version: number;
  readonly workers: readonly string[];
  readonly owners: Placement;
}

const EMPTY: PlacementTable = Object.freeze({ version: 0, workers: [], owners: [] });

/**
 * Stores the shard placement in Redis so that every process routes by the same table. Any worker
 * that sees the live set differ from the table's recomputes it from the previous table (so only
 * what must move moves) and writes it with optimistic concurrency: concurrent writers computing
 * from the same inputs produce the same table, and a stale writer retries.
 */
export class PlacementStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly epsilon?: number,
  ) {}

  /** Replaces the owners if the table is still at `expectedVersion`; false when it changed meanwhile. */
  replace(expectedVersion: number, owners: readonly string[]): Promise<boolean> {
    return replacePlacement(this.redis, this.keys, expectedVersion, owners);
  }

  async read(): Promise<PlacementTable> {
    const raw = await this.redis.get(this.keys.placement);
    return raw ? (JSON.parse(raw) as PlacementTable) : EMPTY;
  }

  /** Brings the table in line with the live workers; returns the table in force afterwards. */
  async reconcile(liveWorkers: readonly string[], shardCount: number): Promise<PlacementTable> {
    const wanted = [...new Set(liveWorkers)].sort();
    const seen = await this.read();
    if (sameWorkers(seen.workers, wanted) && seen.owners.length === shardCount) return seen;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const watcher = this.redis.duplicate();
      try {
        await watcher.watch(this.keys.placement);
        const raw = await watcher.get(this.keys.placement);
        const current = raw ? (JSON.parse(raw) as PlacementTable) : EMPTY;
        if (sameWorkers(current.workers, wanted) && current.owners.length === shardCount) {
          await watcher.unwatch();
          return current;
        }
        const owners = placeShards({ shardCount, workers: wanted, previous: current.owners, epsilon: this.epsilon });
        const next: PlacementTable = { version: current.version + 1, workers: wanted, owners };
        const result = await watcher.multi().set(this.keys.placement, JSON.stringify(next)).incr(this.keys.membershipVersion).exec();
        if (result !== null) {
          await this.redis.publish(this.keys.membershipChannel, `placement:${next.version}`);
          return next;
        }
      } finally {
        watcher.disconnect();
      }
    }
    return this.read();
  }
}

/** Replaces the owners of the table in force if its version is still `expectedVersion` (operator rebalance). */
export async function replacePlacement(redis: Redis, keys: Keys, expectedVersion: number, owners: readonly string[]): Promise<boolean> {
  const watcher = redis.duplicate();
  try {
    await watcher.watch(keys.placement);
    const raw = await watcher.get(keys.placement);
    const current = raw ? (JSON.parse(raw) as PlacementTable) : EMPTY;
    if (current.version !== expectedVersion) {
      await watcher.unwatch();
      return false;
    }
    const next: PlacementTable = { version: current.version + 1, workers: current.workers, owners: [...owners] };
    const result = await watcher.multi().set(keys.placement, JSON.stringify(next)).incr(keys.membershipVersion).exec();
    if (result === null) return false;
    await redis.publish(keys.membershipChannel, `placement:${next.version}`);
    return true;
  } finally {
    watcher.disconnect();
  }
}

function sameWorkers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((worker, index) => worker === b[index]);
}
