import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { OwnedShards } from '@fleet/cluster';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import { InvalidJobError, parseShardJob, type SessionJob, type ShardJobName, type ShardJobs, type ShardQueues } from '@fleet/state';
import type { WorkerMetrics } from '../metrics';
import type { SessionManager } from '../sessions/session-manager';

export interface ShardConsumersOptions {
  readonly instanceId: string;
  readonly connection: Redis;
  readonly keys: Keys;
  readonly manager: SessionManager;
  /** Producer used to forward a job to the queue that owns it now. */
  readonly queues: ShardQueues;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly concurrency: number;
  /** The shards this worker owns right now (its reconciler's last decision). */
  readonly owned: OwnedShards;
  /** The queue a session's jobs belong in now (its workspace's pin, else its shard's); undefined if unknown. */
  readonly queueFor: (job: SessionJob) => Promise<string | undefined>;
  /** How long a job's lock lives without renewal; a killed worker's jobs move on after about this. */
  readonly lockDurationMs?: number;
}

/**
 * One BullMQ consumer per owned shard queue, plus one for this worker's own queue (workspaces pinned
 * to it). A job that reaches a consumer whose queue no longer owns it is forwarded to the right
 * queue, never dropped and never run here. Stalled-job detection is tuned well below BullMQ's
 * default so that a killed worker's in-flight jobs run elsewhere within seconds.
 */
export class ShardConsumers {
  private readonly consumers = new Map<number, Worker>();
  private own: Worker | undefined;
  /** Queues of workers that are gone, drained here so that what was forwarded to them moves on. */
  private readonly adopted = new Map<string, Worker>();

  constructor(private readonly options: ShardConsumersOptions) {}

  /** Names of the queues consumed here (owned shards, own queue), for the queue-depth gauge. */
  queueNames(): string[] {
    const names = this.owned().map((shard) => this.options.keys.shardQueue(shard));
    return this.own ? [...names, this.options.keys.workerQueue(this.options.instanceId)] : names;
  }

  owned(): number[] {
    return [...this.consumers.keys()].sort((a, b) => a - b);
  }

  async consume(shard: number): Promise<void> {
    if (this.consumers.has(shard)) return;
    this.consumers.set(shard, this.createConsumer(this.options.keys.shardQueue(shard), shard));
  }

  /** Starts consuming this worker's own queue. */
  consumeOwnQueue(): void {
    this.own ??= this.createConsumer(this.options.keys.workerQueue(this.options.instanceId), undefined);
  }

  /**
   * Consumes exactly the given orphaned worker queues (their workers are gone); every job found
   * there is forwarded to the queue that owns its session now.
   */
  async adopt(queueNames: readonly string[]): Promise<void> {
    const wanted = new Set(queueNames);
    for (const name of wanted) if (!this.adopted.has(name)) this.adopted.set(name, this.createConsumer(name, undefined));
    const released = [...this.adopted.entries()].filter(([name]) => !wanted.has(name));
    for (const [name] of released) this.adopted.delete(name);
    await Promise.all(released.map(([, worker]) => worker.close()));
  }

  /** Stops taking jobs of a shard; waits for jobs in flight to finish. */
  async release(shard: number): Promise<void> {
    const worker = this.consumers.get(shard);
    if (!worker) return;
    this.consumers.delete(shard);
    await worker.close();
  }

  async releaseMany(shards: readonly number[]): Promise<void> {
    await Promise.all(shards.map((shard) => this.release(shard)));
  }

  async releaseAll(): Promise<void> {
    const own = this.own;
    this.own = undefined;
    await Promise.all([this.releaseMany(this.owned()), own?.close(), this.adopt([])]);
  }

  private createConsumer(queueName: string, shard: number | undefined): Worker {
    const { keys, connection, concurrency, instanceId } = this.options;
    const lockDuration = this.options.lockDurationMs ?? 10_000;
    const worker = new Worker(queueName, (job: Job, token?: string) => this.process(queueName, shard, job, token), {
      connection,
      prefix: keys.bullPrefix,
      concurrency,
      name: instanceId,
      lockDuration,
      stalledInterval: Math.max(1_000, Math.floor(lockDuration / 2)),
      maxStalledCount: 5,
    });
    worker.on('error', (error) => this.options.logger.warn('queue consumer error', { queue: queueName, error: error.message }));
    return worker;
  }

  private async process(queueName: string, shard: number | undefined, job: Job, token: string | undefined): Promise<void> {
    const { metrics } = this.options;
    const parsed = this.parse(job);
    const { name, data } = parsed;
    if (shard !== undefined && !this.options.owned.has(shard)) {
      // The shard moved while this consumer was being released: hand the job back to its queue so
      // the new owner runs it.
      metrics.jobs.inc({ name, outcome: 'handed_back' });
      await job.moveToDelayed(Date.now() + 50, token);
      throw new DelayedError();
    }
    const destination = await this.options.queueFor(data);
    if (destination !== undefined && destination !== queueName) {
      metrics.jobs.inc({ name, outcome: 'forwarded' });
      await this.options.queues.addTo(destination, name, data, `${String(job.id)}-via-${this.options.instanceId}-${Date.now()}`);
      return;
    }
    if (job.attemptsMade === 0) metrics.jobWait.observe({ name }, Math.max(0, Date.now() - job.timestamp - (job.opts.delay ?? 0)) / 1000);
    const stop = metrics.jobDuration.startTimer({ name });
    try {
      await this.run(parsed);
      metrics.jobs.inc({ name, outcome: 'ok' });
    } catch (error) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      metrics.jobs.inc({ name, outcome: last ? 'failed' : 'retry' });
      this.options.logger.warn('job failed', { job: job.id, name, error });
      throw error;
    } finally {
      stop();
    }
  }

  /**
   * A session command that came straight over this worker's channel (WorkerWakes), not through a
   * queue: run here when this worker consumes the queue it belongs in now (the same rule as for a
   * queued job), else added to that queue as a job. A run that fails is added to the queue too, whose
   * attempts retry it.
   */
  async runWoken(shard: number, name: Exclude<ShardJobName, 'message.send' | 'contacts.check'>, data: SessionJob, id: string): Promise<void> {
    const { keys, metrics, queues, instanceId } = this.options;
    const destination = (await this.options.queueFor(data)) ?? keys.shardQueue(shard);
    const here =
      destination === keys.workerQueue(instanceId)
        ? this.own !== undefined
        : destination === keys.shardQueue(shard) && this.consumers.has(shard) && this.options.owned.has(shard);
    if (!here) {
      metrics.jobs.inc({ name, outcome: 'forwarded' });
      await queues.addTo(destination, name, data, id);
      return;
    }
    const stop = metrics.jobDuration.startTimer({ name });
    try {
      await this.run({ name, data });
      metrics.jobs.inc({ name, outcome: 'direct' });
    } catch (error) {
      metrics.jobs.inc({ name, outcome: 'retry' });
      this.options.logger.warn('job failed; queued for its retries', { job: id, name, error });
      await queues.addTo(destination, name, data, id);
    } finally {
      stop();
    }
  }

  /** The job as Fleet's types, checked at the boundary; a malformed job fails once, never retried. */
  private parse(job: Job): ReturnType<typeof parseShardJob> {
    try {
      return parseShardJob(job.name, job.data);
    } catch (error) {
      if (!(error instanceof InvalidJobError)) throw error;
      this.options.metrics.jobs.inc({ name: 'invalid', outcome: 'failed' });
      this.options.logger.error('malformed job dropped', { job: job.id, error: error.message });
      throw new UnrecoverableError(error.message);
    }
  }

  private run(job: ReturnType<typeof parseShardJob>): Promise<void> {
    const handler = this.handlers[job.name] as (data: typeof job.data) => Promise<void>;
    return handler(job.data);
  }

  /** What each job does; every handler is idempotent (BullMQ is at-least-once). */
  private readonly handlers: { readonly [N in ShardJobName]: (data: ShardJobs[N]) => Promise<void> } = {
    'session.start': async (data) => {
      await this.options.manager.start(data.sessionId, data.incarnation);
    },
    'session.stop': (data) => this.options.manager.stopRequested(data.sessionId, data.incarnation),
    'session.logout': (data) => this.options.manager.logout(data.sessionId, data.incarnation),
    'session.restart': (data) => this.options.manager.restartRequested(data.sessionId, data.incarnation),
    'session.unlink': (data) => this.options.manager.unlinkRequested(data.sessionId, data.incarnation),
    'session.pair': (data) => this.options.manager.pairRequested(data.sessionId, data.incarnation),
    'message.send': async (data) => this.options.manager.wake(data),
    'contacts.check': (data) => this.options.manager.checkContacts(data),
  };
}
