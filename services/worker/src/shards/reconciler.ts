import type { ClusterView } from '@fleet/cluster';
import type { Logger } from '@fleet/logger';
import type { SessionStore } from '@fleet/state';
import type { WorkerMetrics } from '../metrics';
import type { SessionManager } from '../sessions/session-manager';
import type { ShardConsumers } from './shard-consumers';

export interface ReconcilerOptions {
  readonly instanceId: string;
  readonly cluster: ClusterView;
  readonly consumers: ShardConsumers;
  readonly manager: SessionManager;
  readonly sessions: SessionStore;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** Session starts run this many at a time when a shard is taken over. */
  readonly startConcurrency?: number;
}

/**
 * The worker's one control loop: brings the placement table in line with the live workers, then
 * stops what this worker no longer owns and starts what it now owns. Runs on every cluster change
 * and is level-triggered: each run compares desired with actual, so a missed event heals itself.
 * Runs never overlap; a change during a run schedules one more.
 */
export class Reconciler {
  private running: Promise<void> | undefined;
  /** Shards the last run decided this worker owns; jobs of other shards are handed back. */
  private owned = new Set<number>();
  private again = false;
  private active = true;

  constructor(private readonly options: ReconcilerOptions) {}

  /** Requests a run; resolves when a run that started after this call has finished. */
  trigger(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Whether the last reconcile gave this worker the shard. */
  owns(shard: number): boolean {
    return this.active && this.owned.has(shard);
  }

  /** Stops reacting to changes (drain / shutdown). */
  deactivate(): void {
    this.active = false;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      if (!this.active) return;
      try {
        await this.reconcileOnce();
      } catch (error) {
        this.options.logger.warn('reconcile failed; will retry on the next change', { error });
      }
    } while (this.again);
  }

  private async reconcileOnce(): Promise<void> {
    const { cluster, consumers, instanceId, metrics } = this.options;
    const snapshot = cluster.snapshot;
    const live = snapshot.workers.filter((worker) => !worker.draining).map((worker) => worker.instanceId);
    if (!live.includes(instanceId)) return;
    const table = await cluster.placementStore.reconcile(live, snapshot.shardCount);
    const wanted = new Set<number>();
    table.owners.forEach((owner, shard) => owner === instanceId && wanted.add(shard));
    const current = new Set(consumers.owned());
    const lost = [...current].filter((shard) => !wanted.has(shard));
    const gained = [...wanted].filter((shard) => !current.has(shard));
    if (lost.length > 0 || gained.length > 0) {
      this.options.logger.info('ownership changed', { placementVersion: table.version, gained: gained.length, lost: lost.length });
    }
    this.owned = wanted;
    await this.releaseShards(lost);
    await Promise.all(gained.map((shard) => this.takeShard(shard)));
    metrics.ownedShards.set(wanted.size);
  }

  private async releaseShards(shards: readonly number[]): Promise<void> {
    if (shards.length === 0) return;
    const { consumers, manager, sessions } = this.options;
    await consumers.releaseMany(shards);
    const ids = new Set((await Promise.all(shards.map((shard) => sessions.idsInShard(shard)))).flat());
    await Promise.all(manager.runningIds().filter((id) => ids.has(id)).map((id) => manager.stop(id, null)));
  }

  private async takeShard(shard: number): Promise<void> {
    const { consumers, manager, sessions } = this.options;
    await consumers.consume(shard);
    const records = await sessions.getMany(await sessions.idsInShard(shard));
    const toStart = records.filter((record) => record.desired === 'running' && !manager.isRunning(record.sessionId));
    const limit = this.options.startConcurrency ?? 50;
    for (let i = 0; i < toStart.length; i += limit) {
      await Promise.all(toStart.slice(i, i + limit).map((record) => manager.start(record.sessionId)));
    }
  }
}
