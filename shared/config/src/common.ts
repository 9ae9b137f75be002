import { parseRedisUrl } from '@fleet/redis';
import type { EnvReader } from './env-reader';

/** Settings every Fleet process shares. Documented in docs/configuration.md. */
export interface CommonConfig {
  /** Redis connection URL: `redis://`, `rediss://` (TLS) or `redis-sentinel://host:port[,…]/master`. */
  readonly redisUrl: string;
  /** Namespace prefix of every Redis key and BullMQ queue. */
  readonly redisPrefix: string;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
}

export const COMMON_DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  redisPrefix: 'fleet',
  logLevel: 'info',
} as const;

export function readCommon(env: EnvReader): CommonConfig {
  const redisPrefix = env.string('REDIS_PREFIX', COMMON_DEFAULTS.redisPrefix);
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(redisPrefix)) {
    env.fail(`REDIS_PREFIX must be 1-40 letters, digits, _ or -, got "${redisPrefix}"`);
  }
  const redisUrl = env.string('REDIS_URL', COMMON_DEFAULTS.redisUrl);
  try {
    parseRedisUrl(redisUrl);
  } catch (error) {
    env.fail(`REDIS_URL ${error instanceof Error ? error.message : String(error)}, got "${redisUrl}"`);
  }
  return {
    redisUrl,
    redisPrefix,
    logLevel: env.oneOf('LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, COMMON_DEFAULTS.logLevel),
  };
}
