import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { ShardJobName, ShardJobs } from './jobs';

/**
 * Bounded retention of finished jobs, so Redis does not grow without limit. The bounds are per queue
 * and there are S shard queues (128 by default) plus one per worker, so they stay small: a finished
 * job is only for inspection (the message record and its events carry the outcome, for 7 days).
 * - completed: 1 hour, at most 1,000 per queue;
 * - failed: 24 hours, at most 1,000 per queue, each with the stack trace of its last attempt only
 *   (BullMQ otherwise keeps one per attempt).
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 24 * 3_600, count: 1_000 },
  stackTraceLimit: 1,
};

/** Entries of BullMQ's event stream kept per queue (S shard queues and one per worker). */
export const EVENTS_KEPT = 100;

/**
 * A wake-up (`message.send`: the message itself is in the ledger's outbox) is not retried and leaves
 * nothing behind when done: a lost wake-up costs latency (the workers' outbox check finds the message),
 * never the message, and keeping a finished one per message cost Redis a sorted-set insert and two
 * retention trims per message. Failed ones stay an hour, for inspection.
 */
export const WAKE_JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  removeOnComplete: true,
  removeOnFail: { age: 3_600, count: 100 },
};

/** Producer side of the per-shard command queues; one BullMQ Queue per shard, made on first use. */
export class ShardQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly keys: Keys,
  ) {}

  queue(shard: number): Queue {
    return this.named(this.keys.shardQueue(shard));
  }

  /** Any command queue by name: a shard's (`shard-N`) or a worker's own (`worker-ID`). */
  named(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.keys.bullPrefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        // BullMQ's event stream of a queue (added, active, completed … per job) is for QueueEvents
        // listeners; Fleet has none, so it keeps the last EVENTS_KEPT instead of BullMQ's 10,000.
        streams: { events: { maxLen: EVENTS_KEPT } },
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Makes the producer of every shard's queue now and waits until each is ready, so the first burst
   * of commands after a start does not also pay for setting up a hundred queues.
   */
  async warm(shardCount: number): Promise<void> {
    await Promise.all(Array.from({ length: shardCount }, (_, shard) => this.queue(shard).waitUntilReady()));
  }

  /** Adds a job; a job id that already exists is not added twice (BullMQ deduplicates by id). */
  async add<N extends ShardJobName>(shard: number, name: N, data: ShardJobs[N], id: string, options: JobsOptions = {}): Promise<void> {
    await this.queue(shard).add(name, data, { ...options, jobId: id });
  }

  /** Adds a job to a queue by name (used to forward a job to the queue that now owns it). */
  async addTo<N extends ShardJobName>(queueName: string, name: N, data: ShardJobs[N], id: string, options: JobsOptions = {}): Promise<void> {
    await this.named(queueName).add(name, data, { ...options, jobId: id });
  }

  /** Jobs waiting (not yet taken) per shard. */
  async depths(shards: readonly number[]): Promise<Map<number, number>> {
    const counts = await Promise.all(shards.map((shard) => this.queue(shard).getWaitingCount()));
    return new Map(shards.map((shard, index) => [shard, counts[index] ?? 0]));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
