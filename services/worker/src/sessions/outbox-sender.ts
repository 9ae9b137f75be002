import type { Logger } from '@fleet/logger';
import type { ClaimedMessage, MessageLedger } from '@fleet/messages';
import type { SessionHandle } from '../connector/types';
import type { SendPacer } from './send-pacer';

export interface SendPolicy {
  /** A message written to the socket with no server ack after this long is written again or failed. */
  readonly ackTimeoutMs: number;
  /** Writes of one message before it fails (`send_failed` or `no_server_ack`). */
  readonly maxAttempts: number;
  /** Messages claimed from the outbox at a time. */
  readonly batch: number;
  /** Messages one session may send at once after a quiet time (SEND_BURST_PER_SESSION). */
  readonly burst: number;
  /** Then this many a second per session (SEND_RATE_PER_SESSION); 0 = no pacing. */
  readonly ratePerSecond: number;
}

export const DEFAULT_SEND_POLICY: SendPolicy = { ackTimeoutMs: 30_000, maxAttempts: 3, batch: 16, burst: 20, ratePerSecond: 5 };

export interface SenderDeps {
  readonly sessionId: string;
  readonly handle: SessionHandle;
  readonly ledger: MessageLedger;
  readonly policy: SendPolicy;
  /** The session's send pace (shared by the senders of one run): messages wait in the outbox for it. */
  readonly pacer: SendPacer;
  readonly logger: Logger;
  /** Whether the session is still connected on this run (checked between messages). */
  readonly connected: () => boolean;
  /** Told of every message that left the outbox: written, retried or failed. */
  readonly onOutcome?: (outcome: 'written' | 'retried' | 'failed') => void;
  /** Told each time the sender waits for its pace with messages waiting. */
  readonly onPaced?: () => void;
}

/** Error codes after which a message can never be written: it fails at once instead of being retried. */
const PERMANENT = new Set(['INVALID_RECIPIENT', 'MEDIA_TOO_LARGE', 'MEDIA_TYPE_NOT_ALLOWED', 'MEDIA_NOT_FOUND', 'MEDIA_URL_REFUSED']);

/**
 * Sends one connected session's outbox, in acceptance order, one message at a time: the order the
 * application accepted messages in is the order they go out (per session, so per chat too). A message
 * leaves the outbox for the in-flight set when claimed; the server's ack settles it; a write that
 * fails or an ack that never comes puts it back at its place (up to `maxAttempts`), or fails it with a
 * `message.failed` event. Nothing is ever left `sending`.
 *
 * One sender per connected run of a session; `stop` when the session leaves `connected` here.
 */
export class OutboxSender {
  private active = false;
  private draining = false;
  private again = false;
  /** Ack deadlines of the messages this sender wrote and the server has not acknowledged yet. */
  private readonly deadlines = new Map<string, number>();
  /** Wakes a `finish` waiting for the acks. */
  private changed: (() => void) | undefined;
  /** When a drain failed part-way: messages it claimed may sit in flight, unwritten; sweep them then. */
  private sweepAt: number | undefined;
  /** Ends a wait for the pace at once (stop, finish). */
  private endPause: (() => void) | undefined;

  constructor(private readonly deps: SenderDeps) {}

  /** The session is connected: what was in flight on an earlier socket goes back to its place, then the outbox is sent. */
  start(): void {
    this.active = true;
    this.background('start', async () => {
      const requeued = await this.deps.ledger.requeueInFlight(this.deps.sessionId);
      if (requeued > 0) this.deps.logger.info('messages in flight on an earlier socket go out again', { requeued });
      this.wake();
    });
  }

  /** New messages may be waiting. */
  wake(): void {
    if (!this.active) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    this.background('send', () => this.drain());
  }

  /** The session is no longer connected here: no further message is written (the one being written finishes). */
  stop(): void {
    this.active = false;
    this.endPause?.();
  }

  /**
   * A planned stop (drain, move, API stop) with the socket still open: no further message is written,
   * and this waits (at most `timeoutMs`) for the write in progress and the acks of what was written, so
   * the successor does not write again what the server already has. Unacknowledged messages after
   * that go out again from the successor (under the same ids).
   */
  async finish(timeoutMs: number): Promise<void> {
    this.active = false;
    this.endPause?.();
    const deadline = Date.now() + timeoutMs;
    while ((this.draining || this.deadlines.size > 0) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.changed = resolve;
        setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))).unref();
      });
    }
    this.deadlines.clear();
  }

  /** The server acknowledged (or refused) a message: it is no longer awaited. */
  settled(messageId: string): void {
    this.deadlines.delete(messageId);
    this.changed?.();
  }

  /** Whether an ack deadline of this sender has passed. */
  overdue(now = Date.now()): boolean {
    if (this.sweepAt !== undefined && this.sweepAt <= now) return true;
    for (const deadline of this.deadlines.values()) if (deadline <= now) return true;
    return false;
  }

  /** Messages whose ack never came go back to their place (or fail); the outbox is sent again. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweepAt !== undefined && this.sweepAt <= now) this.sweepAt = undefined;
    for (const [id, deadline] of this.deadlines) if (deadline <= now) this.deadlines.delete(id);
    const { requeued, failed } = await this.deps.ledger.sweepAckTimeouts(this.deps.sessionId, this.deps.policy.maxAttempts, now);
    if (requeued + failed > 0) this.deps.logger.warn('messages got no server ack in time', { requeued, failed });
    for (let i = 0; i < requeued; i += 1) this.deps.onOutcome?.('retried');
    for (let i = 0; i < failed; i += 1) this.deps.onOutcome?.('failed');
    if (requeued > 0) this.wake();
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        while (this.active) {
          // Only what the pace allows is claimed: the rest waits in the outbox, in its order.
          const allowed = this.deps.pacer.available();
          if (allowed < 1) {
            if ((await this.deps.ledger.waiting(this.deps.sessionId)).queued === 0) break;
            this.deps.onPaced?.();
            await this.pause(this.deps.pacer.waitMs());
            continue;
          }
          const deadline = Date.now() + this.deps.policy.ackTimeoutMs;
          const { messages, remaining } = await this.deps.ledger.claim(this.deps.sessionId, Math.min(this.deps.policy.batch, allowed), deadline);
          if (messages.length > 0) {
            this.deps.pacer.take(messages.length);
            const written = await this.write(messages, deadline);
            if (written === 'stopped') return;
            if (written === 'requeued') continue;
          }
          // Nothing left: no second claim to find that out (one round trip a message fewer). A message
          // accepted after the claim has a wake-up of its own, which sets `again` while this drains.
          if (remaining === 0) break;
        }
      } while (this.again && this.active);
    } finally {
      this.draining = false;
      this.changed?.();
    }
  }

  /**
   * Writes a claimed batch in order: `stopped` when the session stopped being connected (the rest go
   * back), `requeued` when a failed write put a message back in the outbox (to be claimed again now).
   */
  private async write(batch: readonly ClaimedMessage[], deadline: number): Promise<'written' | 'requeued' | 'stopped'> {
    let requeued = false;
    for (const [index, message] of batch.entries()) {
      if (!this.active || !this.deps.connected()) {
        await this.putBack(batch.slice(index));
        return 'stopped';
      }
      try {
        await this.deps.handle.send({ messageId: message.messageId, to: message.to, content: message.content });
        this.deadlines.set(message.messageId, deadline);
        this.deps.onOutcome?.('written');
      } catch (error) {
        if (!this.deps.connected()) {
          // The socket went away under this write: it (and the rest) go out again on the next socket.
          await this.putBack(batch.slice(index));
          return 'stopped';
        }
        if ((await this.failedWrite(message, error)) === 'requeued') requeued = true;
      }
    }
    return requeued ? 'requeued' : 'written';
  }

  private async failedWrite(message: ClaimedMessage, error: unknown): Promise<'requeued' | 'failed' | 'done'> {
    const code = (error as { code?: unknown }).code;
    const permanent = typeof code === 'string' && PERMANENT.has(code);
    const reason = permanent ? (code as string).toLowerCase() : 'send_failed';
    const outcome = await this.deps.ledger.retry(this.deps.sessionId, message.messageId, permanent ? 0 : this.deps.policy.maxAttempts, reason);
    this.deps.logger.warn('writing a message failed', { messageId: message.messageId, attempt: message.attempt, outcome, error });
    this.deps.onOutcome?.(outcome === 'failed' ? 'failed' : 'retried');
    return outcome;
  }

  /** Claimed messages that were not written: back to their places, not counted as failed attempts. */
  private async putBack(messages: readonly ClaimedMessage[]): Promise<void> {
    for (const message of messages) await this.deps.ledger.retry(this.deps.sessionId, message.messageId, Number.MAX_SAFE_INTEGER, 'not_written');
  }

  /** Waits `ms` for the pace, or less when the sender stops meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.endPause = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.endPause = done;
    });
  }

  private background(label: string, task: () => Promise<void>): void {
    task().catch((error: unknown) => {
      this.deps.logger.warn('outbox sender task failed', { task: label, error });
      this.sweepAt ??= Date.now() + this.deps.policy.ackTimeoutMs;
    });
  }
}
