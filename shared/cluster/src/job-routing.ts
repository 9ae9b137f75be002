import type { Keys } from '@fleet/keys';
import { routeOf, type ClusterSnapshot } from './cluster-view';

/**
 * The command queue a workspace's jobs belong in now: the own queue of the worker it is pinned to
 * (a live, non-draining one), else its shard's queue. Every process routes by this one rule.
 */
export function queueOf(snapshot: ClusterSnapshot, keys: Keys, workspaceId: number): string {
  const route = routeOf(snapshot, workspaceId);
  return route.pinnedTo ? keys.workerQueue(route.pinnedTo) : keys.shardQueue(route.shard);
}

/**
 * The shards a worker consumes right now: written by its reconciler (the one place that decides),
 * read by its queue consumers (a job of a shard no longer in the set is handed back). A shard counts
 * only while the placement table the worker last saw still gives it to this worker.
 */
export class OwnedShards {
  private shards: ReadonlySet<number> = new Set();
  private active = true;

  constructor(
    private readonly instanceId: string,
    private readonly snapshot: () => ClusterSnapshot,
  ) {}

  /** The reconciler's decision of its last run. */
  set(shards: ReadonlySet<number>): void {
    this.shards = new Set(shards);
  }

  /** Final shutdown: no shard is owned any more. */
  deactivate(): void {
    this.active = false;
    this.shards = new Set();
  }

  has(shard: number): boolean {
    return this.active && this.shards.has(shard) && this.snapshot().placement.owners[shard] === this.instanceId;
  }

  get size(): number {
    return this.shards.size;
  }
}
