export interface BackoffOptions {
  /** Delay before the first reconnect after a transient close. Default 1,000 ms. */
  readonly initialDelayMs: number;
  /** Upper bound of one delay. Default 60,000 ms. */
  readonly maxDelayMs: number;
  /** Growth per attempt. Default 2. */
  readonly multiplier: number;
  /** Fraction of each delay that is random, 0..1 (spreads thousands of reconnects). Default 0.5. */
  readonly jitter: number;
  /**
   * Consecutive failed reconnects before the session is reported failed (`reconnect_exhausted`);
   * reset whenever a connection opens. Default 12 (about seven minutes with the defaults).
   * `Infinity` retries forever.
   */
  readonly maxAttempts: number;
}

/** How 440 conflicts are retried: after a longer delay, and only so many within a window. */
export interface ConflictOptions {
  /** Delay before reconnecting after a conflict (jittered like the backoff). Default 5,000 ms. */
  readonly delayMs: number;
  /** Conflicts within `windowMs` after which the session fails with `conflict`. Default 3. */
  readonly maxInWindow: number;
  /** Default 10 minutes. */
  readonly windowMs: number;
}

export const DEFAULT_CONFLICTS: ConflictOptions = Object.freeze({ delayMs: 5_000, maxInWindow: 3, windowMs: 10 * 60_000 });

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  multiplier: 2,
  jitter: 0.5,
  maxAttempts: 12,
});

/** Delay before reconnect attempt `attempt` (1-based): exponential, capped, minus up to `jitter` of it. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** exponent);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter * random()));
}
