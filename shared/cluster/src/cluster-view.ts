import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import { DEFAULT_SHARD_COUNT, shardOf } from '@fleet/ring';
import { Membership, type WorkerInfo } from './membership';
import { PlacementStore, type PlacementTable } from './placement-store';

export interface ClusterViewOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** Shard count used if this is the first process of a new cluster. Default 128. */
  readonly shardCount?: number;
  readonly heartbeatTtlMs?: number;
  /** How often the view re-reads membership even without a pub/sub message. Default 1 000 ms. */
  readonly refreshIntervalMs?: number;
  readonly epsilon?: number;
}

export interface Route {
  readonly workspaceId: number;
  readonly shard: number;
  /** Worker that runs the workspace: its pin if the pinned worker is live, else the shard's owner ('' when none). */
  readonly owner: string;
  /** Whether that worker is alive right now. */
  readonly ownerLive: boolean;
  /** The live worker the workspace is pinned to, if any. */
  readonly pinnedTo?: string;
}

export interface ClusterSnapshot {
  readonly shardCount: number;
  readonly workers: readonly WorkerInfo[];
  readonly placement: PlacementTable;
  /** Operator pins: workspace id → worker id (the pin applies while that worker is live). */
  readonly pins: ReadonlyMap<number, string>;
}

/**
 * One process's view of the cluster: shard count, live workers and the placement table, kept fresh
 * by pub/sub announcements and a periodic re-read (level-triggered, so a missed message or a crashed
 * worker whose registration simply expired is still noticed). Emits `change` with the new snapshot.
 */
export class ClusterView extends EventEmitter {
  readonly membership: Membership;
  readonly placementStore: PlacementStore;
  private readonly subscriber: Redis;
  private snapshotValue: ClusterSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<ClusterSnapshot> | undefined;
  private closed = false;

  constructor(private readonly options: ClusterViewOptions) {
    super();
    this.membership = new Membership({ redis: options.redis, keys: options.keys, heartbeatTtlMs: options.heartbeatTtlMs });
    this.placementStore = new PlacementStore(options.redis, options.keys, options.epsilon);
    // Connected in start(), before it subscribes: a SUBSCRIBE sent during the connection's handshake
    // makes ioredis's ready check fail, and after its reconnect it does not subscribe again.
    this.subscriber = options.redis.duplicate({ lazyConnect: true });
    this.subscriber.on('error', () => undefined);
  }

  /** Reads (or fixes, for a new cluster) the shard count, subscribes and loads the first snapshot. */
  async start(): Promise<ClusterSnapshot> {
    const { redis, keys } = this.options;
    await redis.set(keys.shardCount, String(this.options.shardCount ?? DEFAULT_SHARD_COUNT), 'NX');
    this.subscriber.on('message', () => this.refreshSoon());
    if (this.subscriber.status === 'wait') await this.subscriber.connect();
    await this.subscriber.subscribe(keys.membershipChannel);
    const snapshot = await this.refresh();
    this.timer = setInterval(() => this.refreshSoon(), this.options.refreshIntervalMs ?? 1_000);
    this.timer.unref();
    return snapshot;
  }

  get snapshot(): ClusterSnapshot {
    if (!this.snapshotValue) throw new Error('ClusterView.start() has not completed');
    return this.snapshotValue;
  }

  get shardCount(): number {
    return this.snapshot.shardCount;
  }

  route(workspaceId: number): Route {
    return routeOf(this.snapshot, workspaceId);
  }

  /** Re-reads membership and the placement table now. Concurrent callers share one read. */
  refresh(): Promise<ClusterSnapshot> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private refreshSoon(): void {
    if (this.closed) return;
    this.refresh().catch((error: unknown) => {
      this.options.logger.warn('cluster view refresh failed', { error });
    });
  }

  private async load(): Promise<ClusterSnapshot> {
    const { redis, keys } = this.options;
    const [rawCount, workers, placement, rawPins] = await Promise.all([
      redis.get(keys.shardCount),
      this.membership.live(),
      this.placementStore.read(),
      redis.hgetall(keys.pins),
    ]);
    const pins = new Map(Object.entries(rawPins).map(([workspace, worker]) => [Number(workspace), worker]));
    const next: ClusterSnapshot = { shardCount: Number(rawCount ?? DEFAULT_SHARD_COUNT), workers, placement, pins };
    const previous = this.snapshotValue;
    this.snapshotValue = next;
    if (!previous || changed(previous, next)) this.emit('change', next);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.subscriber.disconnect();
  }
}

/** Where a workspace runs in a snapshot: its live pin, else its shard's owner. */
export function routeOf(snapshot: ClusterSnapshot, workspaceId: number): Route {
  const { shardCount, placement, workers, pins } = snapshot;
  const shard = shardOf(workspaceId, shardCount);
  const isLive = (id: string | undefined): boolean => id !== undefined && workers.some((w) => w.instanceId === id && !w.draining);
  const pinned = pins.get(workspaceId);
  if (pinned !== undefined && isLive(pinned)) return { workspaceId, shard, owner: pinned, ownerLive: true, pinnedTo: pinned };
  const owner = placement.owners[shard] ?? '';
  return { workspaceId, shard, owner, ownerLive: workers.some((w) => w.instanceId === owner) };
}

function changed(a: ClusterSnapshot, b: ClusterSnapshot): boolean {
  if (a.placement.version !== b.placement.version || a.workers.length !== b.workers.length) return true;
  if (a.pins.size !== b.pins.size || [...a.pins].some(([ws, worker]) => b.pins.get(ws) !== worker)) return true;
  return a.workers.some((w, i) => {
    const other = b.workers[i];
    return !other || other.instanceId !== w.instanceId || other.incarnation !== w.incarnation || other.draining !== w.draining;
  });
}
