import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { MessageSendJob } from './jobs';
import { WAKE_JOB_OPTIONS, type ShardQueues } from './shard-queues';

/** A wake-up as it travels on a worker's channel: the job, and the shard whose queue takes it otherwise. */
export interface OutboxWake {
  readonly shard: number;
  readonly job: MessageSendJob;
  /** When it was sent (ms): the worker reports how long it travelled, as a job's wait in its queue. */
  readonly at?: number;
}

/** How a wake-up went: straight to a worker listening on the owner's channel, or as a job in the shard's queue. */
export type WakePath = 'direct' | 'queued';

/**
 * Wake-ups of a session's sender (its outbox turned non-empty). The message is already in the
 * outbox, so a wake-up only says "look now": it goes straight to the worker that runs the session's
 * shard (or its pin) over that worker's channel, one PUBLISH, when a worker listens there; otherwise
 * (no live owner, or nobody subscribed: the owner is down or still starting) it is a `message.send`
 * job in the shard's queue, which follows ownership changes. A worker that gets a wake-up for a
 * session it does not run (its view moved on before the ingress's did) hands it on as that job. A
 * wake-up lost on the way (a Redis failover between PUBLISH and delivery) costs latency, never the
 * message: the workers' outbox check finds a message waiting within seconds.
 *
 * Measured against a BullMQ job per wake-up (docs/benchmarks.md): half the Redis commands per message.
 */
export class OutboxWakes {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly queues: ShardQueues,
  ) {}

  /** Wakes the sender of `wake.job`'s session: on `owner`'s channel if a worker listens there, else as a job. */
  async wake(wake: OutboxWake, owner: string | undefined): Promise<WakePath> {
    if (owner) {
      const listeners = await this.redis.publish(this.keys.outboxWakes(owner), JSON.stringify({ ...wake, at: Date.now() }));
      if (listeners > 0) return 'direct';
    }
    await this.queue(wake);
    return 'queued';
  }

  /** The wake-up as a `message.send` job in its shard's queue (the job id is the message's: a repeat is a no-op). */
  queue(wake: Pick<OutboxWake, 'shard' | 'job'>): Promise<void> {
    return this.queues.add(wake.shard, 'message.send', wake.job, wake.job.messageId, WAKE_JOB_OPTIONS);
  }
}

/** A wake-up read from a channel, or undefined when it is not one (a worker never trusts what it hears). */
export function parseOutboxWake(text: string): OutboxWake | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { shard, job, at } = (value ?? {}) as { shard?: unknown; job?: Partial<Record<keyof MessageSendJob, unknown>>; at?: unknown };
  if (!Number.isSafeInteger(shard) || (shard as number) < 0 || !job || typeof job !== 'object') return undefined;
  if (typeof job.sessionId !== 'string' || typeof job.messageId !== 'string') return undefined;
  if (job.workspaceId !== undefined && !Number.isSafeInteger(job.workspaceId)) return undefined;
  if (job.incarnation !== undefined && typeof job.incarnation !== 'string') return undefined;
  if (at !== undefined && !Number.isFinite(at)) return undefined;
  return {
    ...(at === undefined ? {} : { at: at as number }),
    shard: shard as number,
    job: {
      sessionId: job.sessionId,
      messageId: job.messageId,
      ...(job.workspaceId === undefined ? {} : { workspaceId: job.workspaceId as number }),
      ...(job.incarnation === undefined ? {} : { incarnation: job.incarnation }),
    },
  };
}
