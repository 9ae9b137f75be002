import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Context } from 'hono';
import { ApiError } from '@fleet/errors';
import { readLua, reply, TypedScript } from '@fleet/redis';

/** The ingress's Lua files (`services/ingress/lua/`; found from `dist/src/rate-limit` too). */
const LUA_DIR = path.resolve(__dirname, '..', '..', '..', 'lua');
const WINDOW_MS = 60_000;

/** The rate limits of the ingress (see docs/api.md#rate-limits); 0 turns one off. */
export interface RateLimitSettings {
  /** Requests per minute of each workspace key (RATE_LIMIT_KEY_PER_MINUTE). Default 6000. */
  readonly keyPerMinute: number;
  /** Requests per minute of each admin key (RATE_LIMIT_ADMIN_PER_MINUTE). Default 0: none. */
  readonly adminPerMinute: number;
  /** Message sends (send, edit, revoke) per minute per session by workspace keys (RATE_LIMIT_SESSION_SENDS_PER_MINUTE). Default 600. */
  readonly sessionSendsPerMinute: number;
}

export const RATE_LIMIT_DEFAULTS: RateLimitSettings = Object.freeze({ keyPerMinute: 6_000, adminPerMinute: 0, sessionSendsPerMinute: 600 });

/** One bucket's answer, in the units of the headers. */
export interface RateLimitResult {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  readonly resetSeconds: number;
  /** Seconds until a request would be allowed (Retry-After); 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/** One request taken from a bucket: its key and its limit per minute. */
export interface TakeInput {
  readonly bucket: string;
  readonly limit: number;
}

/** `lua/rate-limit.lua`: one token from `bucket`, refilled at `limit` per minute (WINDOW_MS). */
export const rateLimitScript = new TypedScript<TakeInput, RateLimitResult>({
  name: 'ingress/rate-limit',
  source: readLua(LUA_DIR, 'rate-limit'),
  keys: (input) => [input.bucket],
  args: (input) => [input.limit, WINDOW_MS, 1],
  parse: (value, input) => {
    const [allowed, remaining, resetMs, retryMs] = reply.array(value).map((item) => reply.number(item)) as [number, number, number, number];
    return {
      allowed: allowed === 1,
      limit: input.limit,
      remaining,
      resetSeconds: Math.ceil(resetMs / 1000),
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
    };
  },
});

/** Token buckets in Redis ("N per minute", bursts up to N), shared by every ingress. */
export class RateLimiter {
  constructor(private readonly redis: Redis) {}

  /** Takes one request from `bucket` (a key from `Keys.rateLimitKey` / `rateLimitSession`). */
  take(bucket: string, limitPerMinute: number): Promise<RateLimitResult> {
    return rateLimitScript.run(this.redis, { bucket, limit: limitPerMinute });
  }
}

const SHOWN = 'rateLimitShown' as never;

/**
 * Sets the RateLimit-Limit / -Remaining / -Reset headers of the answer to those of `result`, unless
 * the answer already shows a bucket with fewer requests left (the tighter limit is the one to show).
 */
export function showRateLimit(c: Context, result: RateLimitResult): void {
  const shown = c.get(SHOWN) as RateLimitResult | undefined;
  if (shown && shown.remaining <= result.remaining && result.allowed) return;
  c.set(SHOWN, result as never);
  c.header('RateLimit-Limit', String(result.limit));
  c.header('RateLimit-Remaining', String(result.remaining));
  c.header('RateLimit-Reset', String(result.resetSeconds));
}

/** 429 RATE_LIMITED with Retry-After and the headers of the bucket that ran out. */
export function rateLimited(c: Context, result: RateLimitResult, details: Record<string, unknown>): ApiError {
  showRateLimit(c, result);
  c.header('Retry-After', String(result.retryAfterSeconds));
  const what = details.limit === 'session' ? 'sends for this session' : 'requests with this key';
  return new ApiError('RATE_LIMITED', `too many ${what}; retry in ${result.retryAfterSeconds} s`, {
    ...details,
    retry_after_seconds: result.retryAfterSeconds,
  });
}
