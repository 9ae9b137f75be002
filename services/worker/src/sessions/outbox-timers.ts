import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import type { MessageLedger } from '@fleet/messages';
import type { SessionManager } from './session-manager';

export interface OutboxTimersOptions {
  readonly instanceId: string;
  readonly manager: SessionManager;
  readonly ledger: MessageLedger;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** A message not sent within this long of its acceptance fails (`expired`). */
  readonly maxWaitMs: number;
  /** How often overdue acks are looked for. Default 1 s. */
  readonly ackSweepMs?: number;
  /** A session whose outbox waited this long with no wake-up reaching it is woken. Default 5 s. */
  readonly staleAfterMs?: number;
  /**
   * How often (cluster-wide, one worker at a time) messages waiting past `maxWaitMs` are failed.
   * Default 60 s, or half of `maxWaitMs` when that is shorter.
   */
  readonly expireEveryMs?: number;
}

/**
 * The clocks of outgoing messages on a worker: acks that did not come in time (retry or fail), outboxes
 * whose wake-up job was lost (sent anyway), and messages that waited too long for their session to
 * connect (failed with an event, so none waits forever). Each loop logs its failures and goes on.
 */
export class OutboxTimers {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: OutboxTimersOptions) {}

  start(): void {
    const { ackSweepMs = 1_000, staleAfterMs = 5_000 } = this.options;
    const expireEveryMs = this.options.expireEveryMs ?? Math.max(1_000, Math.min(60_000, Math.floor(this.options.maxWaitMs / 2)));
    this.every(ackSweepMs, 'ack sweep', () => this.options.manager.sweepAcks());
    this.every(staleAfterMs, 'stale outboxes', async () => {
      this.options.manager.wakeWaiting(await this.options.ledger.waitingSince(Date.now() - staleAfterMs, 5_000));
    });
    this.every(expireEveryMs, 'message expiry', () => this.expire(expireEveryMs));
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  /** Fails the messages that waited longer than `maxWaitMs`; one worker per interval does it. */
  async expire(intervalMs: number, now = Date.now()): Promise<number> {
    const { redis, keys, ledger, maxWaitMs, instanceId } = this.options;
    const mine = await redis.set(keys.outboxExpiryLock, instanceId, 'PX', Math.max(1_000, intervalMs - 1_000), 'NX');
    if (mine !== 'OK') return 0;
    const cutoff = now - maxWaitMs;
    let failed = 0;
    for (const sessionId of await ledger.waitingSince(cutoff, 1_000)) failed += await ledger.expire(sessionId, cutoff, 'expired', now);
    if (failed > 0) this.options.logger.warn('messages waited too long for their session and failed', { failed });
    return failed;
  }

  private every(ms: number, label: string, task: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      task()
        .catch((error: unknown) => this.options.logger.warn('outbox timer failed', { timer: label, error }))
        .finally(() => (running = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }
}
