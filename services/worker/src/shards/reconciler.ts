import { routeOf, type ClusterSnapshot, type ClusterView, type OwnedShards } from '@fleet/cluster';
import type { Logger } from '@fleet/logger';
import type { SessionRecord, SessionStore } from '@fleet/state';
import type { WorkerMetrics } from '../metrics';
import type { SessionManager } from '../sessions/session-manager';
import type { ShardConsumers } from './shard-consumers';

export interface ReconcilerOptions {
  readonly instanceId: string;
  readonly cluster: ClusterView;
  readonly consumers: ShardConsumers;
  /** Where this reconciler records the shards it decided this worker owns (the consumers read it). */
  readonly owned: OwnedShards;
  readonly manager: SessionManager;
  readonly sessions: SessionStore;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** Session starts run this many at a time. Default 50. */
  readonly startConcurrency?: number;
  /** MAX_SESSIONS_PER_INSTANCE: this worker never runs more sessions than this. */
  readonly maxSessions: number;
  /** Name of a worker's own queue. */
  readonly queueName: (instanceId: string) => string;
  /** Retry delay for sessions whose previous owner still holds the lease. Default 500 ms. */
  readonly retryDelayMs?: number;
}

/** Ended on their own (440 conflict, 401, exhausted reconnects, QR timeout): restarting them would loop. */
const WAITS_FOR_START: ReadonlySet<string> = new Set(['failed', 'logged_out']);

/**
 * The worker's one control loop. Each run computes what this worker should run from the placement
 * table, the pins and its own draining flag, then stops what it should not run (clean close, flush,
 * lease released) and starts what it should (lease taken first). Runs on every cluster change, on
 * every released lease, and while some start is waiting for a lease; it is level-triggered, so a
 * missed event heals itself on the next run. Runs never overlap; a trigger during a run schedules
 * one more. Only sessions whose owner changes are touched.
 */
export class Reconciler {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The last run's waiting starts were all backoffs (a later retry suffices). */
  private onlyBackoffs = false;

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

  /** Stops reacting to changes (final shutdown). */
  deactivate(): void {
    this.stopped = true;
    this.options.owned.deactivate();
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      if (this.stopped) return;
      try {
        await this.reconcileOnce();
      } catch (error) {
        this.options.logger.warn('reconcile failed; will retry on the next change', { error });
      }
    } while (this.again);
  }

  private async reconcileOnce(): Promise<void> {
    const { cluster, consumers, instanceId, metrics, manager } = this.options;
    const snapshot = cluster.snapshot;
    const me = snapshot.workers.find((worker) => worker.instanceId === instanceId);
    const active = me !== undefined && !me.draining;
    let shards = new Set<number>();
    // The table this run decides by: the one it just brought in line (the view may not have read it yet).
    let current = snapshot;
    if (active) {
      const live = snapshot.workers.filter((worker) => !worker.draining).map((worker) => worker.instanceId);
      const table = await cluster.placementStore.reconcile(live, snapshot.shardCount);
      table.owners.forEach((owner, shard) => owner === instanceId && shards.add(shard));
      current = { ...snapshot, placement: table };
    } else {
      shards = new Set();
    }
    this.options.owned.set(shards, current.placement.version);
    const desired = active ? await this.desiredSessions(current, shards) : new Map<string, SessionRecord>();
    const consumed = new Set(consumers.owned());
    const lost = [...consumed].filter((shard) => !shards.has(shard));
    const gained = [...shards].filter((shard) => !consumed.has(shard));
    const toStop = manager.runningIds().filter((id) => !desired.has(id));
    if (lost.length + gained.length + toStop.length > 0) {
      this.options.logger.info('ownership changed', { gained: gained.length, lost: lost.length, stopping: toStop.length, active });
    }
    await consumers.releaseMany(lost);
    await Promise.all(toStop.map((id) => manager.stop(id, null)));
    await Promise.all(gained.map((shard) => consumers.consume(shard)));
    await consumers.adopt(active && shards.has(0) ? await this.orphanedQueues(current) : []);
    // A session that failed or was logged out by WhatsApp waits for an explicit start (API), not a reconcile.
    const startable = [...desired.values()].filter((record) => !manager.isRunning(record.sessionId) && !WAITS_FOR_START.has(record.status));
    const room = Math.max(0, this.options.maxSessions - manager.size);
    if (startable.length > room) {
      this.options.logger.warn('at MAX_SESSIONS_PER_INSTANCE: sessions wait for capacity', { waiting: startable.length - room, max: this.options.maxSessions });
    }
    metrics.sessionsWaitingForCapacity.set(Math.max(0, startable.length - room));
    const waiting = await this.startAll(startable.slice(0, room).map((record) => record.sessionId));
    metrics.ownedShards.set(shards.size);
    if (waiting > 0) this.scheduleRetry();
  }

  /** Sessions this worker should run: those of its shards not pinned elsewhere, plus those pinned to it. */
  private async desiredSessions(snapshot: ClusterSnapshot, shards: ReadonlySet<number>): Promise<Map<string, SessionRecord>> {
    const { sessions, instanceId } = this.options;
    const pinnedHere = [...snapshot.pins].filter(([, worker]) => worker === instanceId).map(([workspace]) => workspace);
    const idLists = await Promise.all([
      ...[...shards].map((shard) => sessions.idsInShard(shard)),
      ...pinnedHere.map((workspace) => sessions.idsInWorkspace(workspace)),
    ]);
    const records = await sessions.getMany([...new Set(idLists.flat())]);
    const desired = new Map<string, SessionRecord>();
    for (const record of records) {
      if (record.desired === 'running' && routeOf(snapshot, record.workspaceId).owner === instanceId) desired.set(record.sessionId, record);
    }
    return desired;
  }

  /**
   * Own queues of workers that registered once but are not live now: jobs forwarded to a worker
   * (a pinned workspace) just before it died would wait there forever. The owner of shard 0 drains
   * them, forwarding each job to where its session runs now.
   */
  private async orphanedQueues(snapshot: ClusterSnapshot): Promise<string[]> {
    const { sessions, instanceId } = this.options;
    const live = new Set(snapshot.workers.map((worker) => worker.instanceId));
    const known = await sessions.knownWorkers();
    return known.filter((id) => !live.has(id) && id !== instanceId).map((id) => this.options.queueName(id));
  }

  /** Starts sessions a batch at a time; returns how many still wait for a lease. */
  private async startAll(ids: readonly string[]): Promise<number> {
    const limit = this.options.startConcurrency ?? 50;
    let waiting = 0;
    this.onlyBackoffs = true;
    for (let i = 0; i < ids.length; i += limit) {
      const outcomes = await Promise.all(ids.slice(i, i + limit).map((id) => this.options.manager.start(id)));
      // 'held': the previous owner has not let go yet. 'full' while other starts are still in flight:
      // room may remain once they settle. 'retry' / 'backoff': a start that failed for a passing
      // reason waits for its backoff. All are retried (the backoffs when they run out).
      const transientFull = this.options.manager.size < this.options.maxSessions;
      const later = new Set(['held', 'retry', 'backoff']);
      waiting += outcomes.filter((outcome) => later.has(outcome) || (outcome === 'full' && transientFull)).length;
      if (outcomes.some((outcome) => outcome === 'held' || outcome === 'retry' || outcome === 'full')) this.onlyBackoffs = false;
    }
    return waiting;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    const base = this.options.retryDelayMs ?? 500;
    const backoff = this.options.manager.nextStartRetryAt();
    // Only starts waiting for a backoff: run when the earliest one may go, not every half second.
    const delay = this.onlyBackoffs && backoff !== undefined ? Math.max(base, backoff - Date.now()) : base;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.trigger().catch((error: unknown) => this.options.logger.warn('reconcile retry failed', { error }));
    }, delay);
    this.retryTimer.unref();
  }
}
