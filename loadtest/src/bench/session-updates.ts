/**
 * What an announced session-record update (a status or QR change, which a long poll waits for) costs
 * the process that writes it and Redis: N sessions, each taking four status changes one after another
 * as a pairing does, all sessions at once, over one auto-pipelined connection (as a worker's).
 * Printed, not asserted. Usage (after `make build`): node loadtest/dist/src/bench/session-updates.js [sessions]
 * with REDIS_URL (default redis://127.0.0.1:6379); the keys it makes are removed at the end.
 */
import { createRedis } from '@fleet/redis';
import { createKeys } from '@fleet/keys';
import { SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix } from '@fleet/testing';
import { redisCpuMs } from './bench-util';

async function main(): Promise<void> {
  const sessions = Number(process.argv[2] ?? 300);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
  const prefix = freshPrefix('bench-updates');
  const store = new SessionStore(redis, createKeys(prefix));
  try {
    const ids = Array.from({ length: sessions }, (_, i) => `s${i}`);
    for (const [i, sessionId] of ids.entries()) await store.create({ sessionId, workspaceId: 1, accountId: 'bench', shard: i % 128 });
    const statuses = ['qr', 'connected', 'disconnected', 'connected'] as const;
    const updates = sessions * statuses.length;
    const redisBefore = await redisCpuMs(redis);
    const before = process.cpuUsage();
    await Promise.all(
      ids.map(async (sessionId) => {
        for (const status of statuses) await store.update(sessionId, { status });
      }),
    );
    const spent = process.cpuUsage(before);
    const redisSpent = ((await redisCpuMs(redis)) - redisBefore) * 1000;
    console.log(
      `${updates} announced updates (${sessions} sessions × ${statuses.length}): this process ${((spent.user + spent.system) / updates).toFixed(0)} µs CPU per update, ` +
        `Redis ${(redisSpent / updates).toFixed(0)} µs`,
    );
  } finally {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
