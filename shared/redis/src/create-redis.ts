import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from './redis-url';

/** After a failover the old master answers READONLY: reconnect (Sentinel then points at the new one). */
const reconnectOnReadonly = (error: Error): boolean => error.message.startsWith('READONLY');

/**
 * Makes an ioredis client for REDIS_URL. Through Sentinel the client asks the sentinels for the
 * current master, watches them for a switch (failoverDetector) and reconnects on READONLY, so
 * BullMQ workers keep consuming after a failover.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const target = parseRedisUrl(url);
  if (target.kind === 'direct') return new Redis(target.url, { reconnectOnError: reconnectOnReadonly, ...options });
  return new Redis({
    sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: target.name,
    db: target.db,
    ...(target.password ? { password: target.password } : {}),
    failoverDetector: true,
    reconnectOnError: reconnectOnReadonly,
    ...options,
  });
}
