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
