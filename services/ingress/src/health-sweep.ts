import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ClusterView } from '@fleet/cluster';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import { checkInstances, type InstanceHealth } from '@fleet/operations';

/** The checklist's every-minute HealthMonitor run, as kept in Redis. */
export interface HealthSweepResult {
  readonly checked_at: number;
  readonly instances: readonly InstanceHealth[];
}

const SCHEDULER_ID = 'health-sweep';
const JOB_NAME = 'health.sweep';
export const DEFAULT_HEALTH_SWEEP_MS = 60_000;

export interface HealthSweepOptions {
  readonly redis: Redis;
  readonly queueConnection: Redis;
  readonly keys: Keys;
  readonly cluster: ClusterView;
  readonly logger: Logger;
  /** Default 60 000 ms (the checklist's "every 1 minute"). */
  readonly intervalMs?: number;
}

/**
 * Runs the health check of every instance once a minute, cluster-wide exactly once per slot (a BullMQ
 * job scheduler shared by every ingress), and keeps the result in Redis for GET /api/health/instances
 * and the `fleet_instance_health` metric. Instances that registered once but whose registration
 * expired are reported unreachable.
 */
export class HealthSweep {
  private queue: Queue | undefined;
  private worker: Worker | undefined;

  constructor(private readonly options: HealthSweepOptions) {}

  async start(): Promise<void> {
    const { keys, queueConnection, logger } = this.options;
    this.queue = new Queue(keys.maintenanceQueue, { connection: queueConnection, prefix: keys.bullPrefix });
    await this.queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: this.options.intervalMs ?? DEFAULT_HEALTH_SWEEP_MS },
      {
        name: JOB_NAME,
        opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      },
    );
    this.worker = new Worker(
      keys.maintenanceQueue,
      async (job) => {
        if (job.name === JOB_NAME) await this.runOnce();
      },
      { connection: queueConnection, prefix: keys.bullPrefix, concurrency: 1 },
    );
    this.worker.on('error', (error) => logger.warn('health sweep consumer error', { error: error.message }));
  }

  /** One sweep now; also what the scheduled job runs. */
  async runOnce(): Promise<HealthSweepResult> {
    const { redis, keys, cluster } = this.options;
    const snapshot = await cluster.refresh();
    const live = new Set(snapshot.workers.map((worker) => worker.instanceId));
    const known = await redis.smembers(keys.workers);
    const checked = await checkInstances(snapshot.workers);
    const expired: InstanceHealth[] = known
      .filter((id) => !live.has(id))
      .sort()
      .map((instance) => ({ instance, url: '', status: 'unreachable', draining: false, error: 'registration expired' }));
    const result: HealthSweepResult = { checked_at: Date.now(), instances: [...checked, ...expired] };
    await redis.set(keys.healthLast, JSON.stringify(result));
    return result;
  }

  async last(): Promise<HealthSweepResult | undefined> {
    const raw = await this.options.redis.get(this.options.keys.healthLast);
    return raw ? (JSON.parse(raw) as HealthSweepResult) : undefined;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}
