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
 * while the newest placement table this worker knows (the one its reconciler wrote, or a newer one the
 * view read) gives it to this worker.
 */
export class OwnedShards {
  private shards: ReadonlySet<number> = new Set();
  /** Version of the placement table the reconciler decided by. */
  private version = -1;
  private active = true;

  constructor(
    private readonly instanceId: string,
    private readonly snapshot: () => ClusterSnapshot,
  ) {}

  /** The reconciler's decision of its last run, made from placement table `version`. */
  set(shards: ReadonlySet<number>, version: number): void {
    this.shards = new Set(shards);
    this.version = version;
  }

  /** Final shutdown: no shard is owned any more. */
  deactivate(): void {
    this.active = false;
    this.shards = new Set();
  }

  /**
   * Whether this worker owns the shard now: by the reconciler's decision, unless the view has since
   * read a newer table that gives the shard to another worker (the reconciler runs on that change).
   */
  has(shard: number): boolean {
    if (!this.active || !this.shards.has(shard)) return false;
    const { placement } = this.snapshot();
    return placement.version <= this.version || placement.owners[shard] === this.instanceId;
  }

  get size(): number {
    return this.shards.size;
  }
}
