/** Retries of sessions whose start failed for a reason that may pass (storage I/O, a socket still closing). */
export interface StartBackoffOptions {
  /** Delay before the first retry; doubled after each failure. Default 1 s. */
  readonly initialMs?: number;
  /** Longest delay between two retries. Default 60 s. */
  readonly maxMs?: number;
  /** Consecutive failed starts after which the session is `failed` (a person looks at it). Default 6. */
  readonly maxFailures?: number;
}

/** Error codes of a session that can never connect as it is: its proxy is refused, or does not open. */
const CANNOT_CONNECT_ERRORS: ReadonlySet<string> = new Set(['SESSION_SECRET_UNREADABLE', 'PROXY_REFUSED']);
/** Error codes of a start that retrying cannot fix: the session fails at once. */
const PERMANENT_START_ERRORS: ReadonlySet<string> = new Set(['AUTH_STATE_CORRUPT', ...CANNOT_CONNECT_ERRORS]);

/** Whether `error` says the session cannot connect however often it is tried (its proxy): no retry helps. */
export function cannotConnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CANNOT_CONNECT_ERRORS.has(code);
}
/** Error codes meaning another owner holds the session now: nothing to retry here. */
const FENCED_START_ERRORS: ReadonlySet<string> = new Set(['STALE_EPOCH', 'FENCE_MISSING']);

/** How a failed start is handled: retried later, given up (failed), or left to the newer owner. */
export type StartFailure = 'retry' | 'give-up' | 'fenced';

/**
 * Backoff for failed session starts, per session, in memory: an EIO from shared storage or a socket
 * still closing must not turn into a permanent `failed` (which nothing retries), yet a start that
 * keeps failing must not loop. After `maxFailures` consecutive failures the session fails.
 */
export class StartBackoff {
  private readonly failures = new Map<string, { count: number; notBefore: number }>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxFailures: number;

  constructor(options: StartBackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1_000;
    this.maxMs = options.maxMs ?? 60_000;
    this.maxFailures = options.maxFailures ?? 6;
  }

  /** Whether a start of `sessionId` must wait for its backoff. */
  blocked(sessionId: string, now = Date.now()): boolean {
    const entry = this.failures.get(sessionId);
    return entry !== undefined && entry.notBefore > now;
  }

  /** Records a failed start and says what to do with the session. */
  failed(sessionId: string, error: unknown, now = Date.now()): StartFailure {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && FENCED_START_ERRORS.has(code)) return 'fenced';
    const count = (this.failures.get(sessionId)?.count ?? 0) + 1;
    if ((typeof code === 'string' && PERMANENT_START_ERRORS.has(code)) || count >= this.maxFailures) {
      this.failures.delete(sessionId);
      return 'give-up';
    }
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** (count - 1));
    this.failures.set(sessionId, { count, notBefore: now + delay });
    return 'retry';
  }

  /** The session started (or is no longer wanted here): its failures are forgotten. */
  forget(sessionId: string): void {
    this.failures.delete(sessionId);
  }

  /** When the earliest waiting retry may run (ms), if any. */
  nextRetryAt(): number | undefined {
    let next: number | undefined;
    for (const { notBefore } of this.failures.values()) if (next === undefined || notBefore < next) next = notBefore;
    return next;
  }
}
