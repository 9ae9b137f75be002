import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import type { MessageStore, ShardJobName, ShardJobs } from '@fleet/state';
import type { WorkerMetrics } from '../metrics';
import { RetryLaterError, type SessionManager } from '../sessions/session-manager';

export interface ShardConsumersOptions {
  readonly instanceId: string;
  readonly connection: Redis;
  readonly keys: Keys;
  readonly manager: SessionManager;
  readonly messages: MessageStore;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly concurrency: number;
  /** Whether this worker owns the shard right now (the placement table as last seen). */
  readonly owns: (shard: number) => boolean;
  /** How long a job's lock lives without renewal; a killed worker's jobs move on after about this. */
  readonly lockDurationMs?: number;
}

/**
 * One BullMQ consumer per owned shard queue. Stalled-job detection is tuned well below BullMQ's
 * default so that a killed worker's in-flight jobs run elsewhere within seconds.
 */
export class ShardConsumers {
  private readonly consumers = new Map<number, Worker>();

  constructor(private readonly options: ShardConsumersOptions) {}

  owned(): number[] {
    return [...this.consumers.keys()].sort((a, b) => a - b);
  }

  async consume(shard: number): Promise<void> {
    if (this.consumers.has(shard)) return;
    const { keys, connection, concurrency, instanceId } = this.options;
    const lockDuration = this.options.lockDurationMs ?? 10_000;
    const worker = new Worker(keys.shardQueue(shard), (job: Job, token?: string) => this.process(shard, job, token), {
      connection,
      prefix: keys.bullPrefix,
      concurrency,
      name: instanceId,
      lockDuration,
      stalledInterval: Math.max(1_000, Math.floor(lockDuration / 2)),
      maxStalledCount: 5,
    });
    worker.on('error', (error) => this.options.logger.warn('shard consumer error', { shard, error: error.message }));
    this.consumers.set(shard, worker);
  }

  /** Stops taking jobs of a shard; waits for jobs in flight to finish. */
  async release(shard: number): Promise<void> {
    const worker = this.consumers.get(shard);
    if (!worker) return;
    this.consumers.delete(shard);
    await worker.close();
  }

  async releaseAll(): Promise<void> {
    await this.releaseMany(this.owned());
  }

  async releaseMany(shards: readonly number[]): Promise<void> {
    await Promise.all(shards.map((shard) => this.release(shard)));
  }

  private async process(shard: number, job: Job, token: string | undefined): Promise<void> {
    const { metrics } = this.options;
    const name = job.name as ShardJobName;
    if (!this.options.owns(shard)) {
      // The shard moved while this consumer was being released: hand the job back to the queue so
      // its new owner runs it. Never run it here, never drop it.
      metrics.jobs.inc({ name, outcome: 'forwarded' });
      await job.moveToDelayed(Date.now() + 50, token);
      throw new DelayedError();
    }
    const stop = metrics.jobDuration.startTimer({ name });
    try {
      await this.dispatch(name, job.data);
      metrics.jobs.inc({ name, outcome: 'ok' });
    } catch (error) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      metrics.jobs.inc({ name, outcome: last ? 'failed' : 'retry' });
      if (last && name === 'message.send') {
        const data = job.data as ShardJobs['message.send'];
        const reason = error instanceof RetryLaterError ? 'session_not_connected' : 'send_failed';
        await this.options.messages.advance(data.messageId, 'failed', reason);
      }
      if (!(error instanceof RetryLaterError)) this.options.logger.warn('job failed', { job: job.id, name, error });
      throw error;
    } finally {
      stop();
    }
  }

  private async dispatch(name: ShardJobName, data: unknown): Promise<void> {
    const { manager } = this.options;
    switch (name) {
      case 'session.start':
        return manager.start((data as ShardJobs['session.start']).sessionId);
      case 'session.stop':
        return manager.stop((data as ShardJobs['session.stop']).sessionId);
      case 'session.logout':
        return manager.logout((data as ShardJobs['session.logout']).sessionId);
      case 'message.send':
        return manager.send(data as ShardJobs['message.send']);
      default:
        throw new Error(`unknown job ${String(name)}`);
    }
  }
}
