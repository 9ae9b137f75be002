/**
 * One session's send pace: a token bucket of `burst` messages refilled at `ratePerSecond`. After a
 * quiet time a session may send `burst` messages at once, then `ratePerSecond` a second, so a loop in
 * an application cannot make a number send faster than a person could (WhatsApp bans numbers that
 * do). `ratePerSecond` 0 turns pacing off. Kept per run of a session on a worker: it survives the
 * reconnects of the run, not a move to another worker.
 */
export class SendPacer {
  private tokens: number;
  private at: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Whole messages that may go now (Infinity when unpaced). */
  available(now = Date.now()): number {
    if (this.ratePerSecond <= 0) return Number.POSITIVE_INFINITY;
    this.refill(now);
    return Math.floor(this.tokens);
  }

  /** `count` messages went (or were claimed to go). */
  take(count: number, now = Date.now()): void {
    if (this.ratePerSecond <= 0) return;
    this.refill(now);
    this.tokens -= count;
  }

  /** Milliseconds until the next message may go (0: now). */
  waitMs(now = Date.now()): number {
    if (this.ratePerSecond <= 0) return 0;
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  private refill(now: number): void {
    if (now <= this.at) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.ratePerSecond);
    this.at = now;
  }
}
