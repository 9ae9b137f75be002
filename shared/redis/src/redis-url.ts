/** Where to reach Redis, parsed from REDIS_URL. */
export type RedisTarget =
  | { readonly kind: 'direct'; readonly url: string }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: ReadonlyArray<{ readonly host: string; readonly port: number }>;
      /** The master group name the sentinels monitor. */
      readonly name: string;
      readonly password?: string;
      readonly db: number;
    };

const SENTINEL = /^redis-sentinel:\/\/(?:(?:[^:@/]*):([^@/]*)@)?([^/]+)\/([A-Za-z0-9._-]+)(?:\?db=(\d+))?$/;

/**
 * Accepts `redis://…` and `rediss://…` (TLS) as ioredis does, and
 * `redis-sentinel://[:password@]host:port[,host:port…]/master-name[?db=N]` for Sentinel.
 * Throws an Error naming what is wrong.
 */
export function parseRedisUrl(url: string): RedisTarget {
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    new URL(url);
    return { kind: 'direct', url };
  }
  const match = SENTINEL.exec(url);
  if (!match) {
    throw new Error('must be redis://host:port, rediss://host:port or redis-sentinel://host:port[,host:port]/master-name');
  }
  const [, password, hosts, name, db] = match;
  const sentinels = hosts!.split(',').map((entry) => {
    const [host, port] = entry.split(':');
    if (!host || !port || !/^\d+$/.test(port)) throw new Error(`sentinel address "${entry}" must be host:port`);
    return { host, port: Number(port) };
  });
  return { kind: 'sentinel', sentinels, name: name!, db: Number(db ?? 0), ...(password ? { password: decodeURIComponent(password) } : {}) };
}
