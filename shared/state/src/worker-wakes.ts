import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { InvalidJobError, parseShardJob, type MessageSendJob, type SessionJob } from './jobs';
import { WAKE_JOB_OPTIONS, type ShardQueues } from './shard-queues';

/** A wake-up as it travels on a worker's channel: the job, and the shard whose queue takes it otherwise. */
export type Wake =
  /** The session's outbox turned non-empty: its sender looks now. Queued under the message's id. */
  | { readonly name: 'message.send'; readonly shard: number; readonly job: MessageSendJob; readonly at?: number }
  /** The session was created or started through the API: the worker starts it now. Queued under `jobId`. */
  | { readonly name: 'session.start'; readonly shard: number; readonly job: SessionJob; readonly jobId: string; readonly at?: number };

/** How a wake-up went: straight to a worker listening on the owner's channel, or as a job in the shard's queue. */
export type WakePath = 'direct' | 'queued';

/**
 * Wake-ups of the worker that runs a session: what the session's durable state already says (a
 * message in its outbox, `desired: running` in its record) is to be acted on now. A wake-up goes
 * straight to the worker that runs the session's shard (or its pin) over that worker's channel, one
 * PUBLISH, when a worker listens there; otherwise (no live owner, or nobody subscribed: the owner is
 * down or still starting) it is a job in the shard's queue, which follows ownership changes. A worker
 * that gets a wake-up for a session it does not run (its view moved on before the ingress's did) hands
 * it on as that job. A wake-up lost on the way (a Redis failover between PUBLISH and delivery) costs
 * latency, never the work: the workers' outbox check finds a message waiting within seconds, and their
 * reconcile (every 10 s) starts a session whose record wants it running.
 *
 * Measured against a BullMQ job per wake-up (docs/benchmarks.md): half the Redis commands per message,
 * and ~60 fewer per new session.
 */
export class WorkerWakes {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly queues: ShardQueues,
  ) {}

  /** Sends `wake` on `owner`'s channel if a worker listens there, else adds it to its shard's queue as a job. */
  async wake(wake: Wake, owner: string | undefined): Promise<WakePath> {
    if (owner) {
      const listeners = await this.redis.publish(this.keys.workerWakes(owner), JSON.stringify({ ...wake, at: Date.now() }));
      if (listeners > 0) return 'direct';
    }
    await this.queue(wake);
    return 'queued';
  }

  /**
   * The wake-up as a job in its shard's queue: `message.send` under the message's id (a repeat is a
   * no-op) and not retried; `session.start` under its own id, retried as every session command.
   */
  queue(wake: Wake): Promise<void> {
    return wake.name === 'message.send'
      ? this.queues.add(wake.shard, 'message.send', wake.job, wake.job.messageId, WAKE_JOB_OPTIONS)
      : this.queues.add(wake.shard, 'session.start', wake.job, wake.jobId);
  }
}

/**
 * A wake-up read from a channel, or undefined when it is not one (a worker never trusts what it hears).
 * One without a name is a `message.send` (what ingresses sent before starts came this way too).
 */
export function parseWake(text: string): Wake | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { name = 'message.send', shard, job, jobId, at } = (value ?? {}) as { name?: unknown; shard?: unknown; job?: unknown; jobId?: unknown; at?: unknown };
  if (!Number.isSafeInteger(shard) || (shard as number) < 0) return undefined;
  if (at !== undefined && !Number.isFinite(at)) return undefined;
  const sent = at === undefined ? {} : { at: at as number };
  if (name !== 'message.send' && name !== 'session.start') return undefined;
  let parsed: ReturnType<typeof parseShardJob>;
  try {
    parsed = parseShardJob(name, job);
  } catch (error) {
    if (error instanceof InvalidJobError) return undefined;
    throw error;
  }
  if (parsed.name === 'message.send') return { name: parsed.name, shard: shard as number, job: parsed.data, ...sent };
  if (typeof jobId !== 'string' || jobId === '') return undefined;
  return { name: 'session.start', shard: shard as number, job: parsed.data, jobId, ...sent };
}
