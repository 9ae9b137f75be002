#!/usr/bin/env node
// make bench-failover: (1) placement arithmetic for joins with 3,000 workspaces (fraction of
// workspaces moved against the ideal, max/mean sessions per worker); (2) with real processes, a
// worker holding BENCH_FAILOVER_SESSIONS connected sessions is killed with SIGKILL (time until every
// session is connected elsewhere), then the same number is moved back onto one worker and that
// worker is drained with SIGTERM (time until every session is connected elsewhere). A script, not a test.
import os from 'node:os';
import { Redis } from 'ioredis';
import { createKeys } from '@fleet/keys';
import { placeShards, shardOf } from '@fleet/ring';
import { cleanPrefix, freshPrefix, waitFor } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../harness/local-fleet';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SESSIONS = Number(process.env.BENCH_FAILOVER_SESSIONS ?? 500);
const HEARTBEAT_TTL_MS = Number(process.env.BENCH_HEARTBEAT_TTL_MS ?? 10_000);
const SHARDS = 128;
const WORKSPACES = 3000;

function joinFigures(from: number): string {
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `instance-${i + 1}`);
  const before = placeShards({ shardCount: SHARDS, workers: names(from) });
  const after = placeShards({ shardCount: SHARDS, workers: names(from + 1), previous: before });
  let moved = 0;
  const perWorker = new Map<string, number>();
  for (let ws = 1; ws <= WORKSPACES; ws += 1) {
    const shard = shardOf(ws, SHARDS);
    if (before[shard] !== after[shard]) moved += 1;
    perWorker.set(after[shard]!, (perWorker.get(after[shard]!) ?? 0) + 1);
  }
  const ideal = 1 / (from + 1);
  const fraction = moved / WORKSPACES;
  const loads = [...perWorker.values()];
  const maxOverMean = Math.max(...loads) / (WORKSPACES / (from + 1));
  return `| ${from} → ${from + 1} | ${(fraction * 100).toFixed(1)} % | ${(ideal * 100).toFixed(1)} % | ${(((fraction - ideal) / ideal) * 100).toFixed(1)} % | ${maxOverMean.toFixed(3)} |`;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function ownersOf(redis: Redis, prefix: string, ids: readonly string[]): Promise<Array<{ owner: string; status: string }>> {
  const keys = createKeys(prefix);
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hmget(keys.session(id), 'owner', 'status');
  const results = (await pipeline.exec()) ?? [];
  return results.map(([, value]) => {
    const [owner, status] = value as [string | null, string | null];
    return { owner: owner ?? '', status: status ?? '' };
  });
}

async function allConnectedOn(redis: Redis, prefix: string, ids: readonly string[], instance: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await waitFor(async () => (await ownersOf(redis, prefix, ids)).every((s) => s.owner === instance && s.status === 'connected'), {
    what: `${ids.length} sessions connected on ${instance}`,
    timeoutMs,
    intervalMs: 100,
  });
  return (Date.now() - started) / 1000;
}

async function pinAll(redis: Redis, prefix: string, workspaces: readonly number[], instance: string): Promise<void> {
  const keys = createKeys(prefix);
  await redis.hset(keys.pins, Object.fromEntries(workspaces.map((ws) => [String(ws), instance])));
  await redis.incr(keys.membershipVersion);
  await redis.publish(keys.membershipChannel, 'pins');
}

async function processFigures(): Promise<string[]> {
  const prefix = freshPrefix('fo');
  const redis = new Redis(REDIS_URL);
  const fleet: LocalFleet = await startLocalFleet({
    redisUrl: REDIS_URL,
    prefix,
    workers: 2,
    extraEnv: { HEARTBEAT_TTL_MS: String(HEARTBEAT_TTL_MS) },
  });
  try {
    const sessions = Array.from({ length: SESSIONS }, (_, i) => ({ id: `fo-${i}`, workspace: i + 1, phone: `1555300${String(i).padStart(4, '0')}` }));
    const ids = sessions.map((s) => s.id);
    await pinAll(
      redis,
      prefix,
      sessions.map((s) => s.workspace),
      'instance-1',
    );
    const pairStart = Date.now();
    await mapLimit(sessions, 25, (s) => fleet.pair(s.id, s.workspace, s.phone));
    process.stdout.write(`paired ${SESSIONS} sessions on instance-1 in ${((Date.now() - pairStart) / 1000).toFixed(1)} s\n`);

    const killedAt = Date.now();
    await fleet.stopWorker('instance-1', 'SIGKILL');
    await allConnectedOn(redis, prefix, ids, 'instance-2', 180_000);
    const failover = (Date.now() - killedAt) / 1000;
    process.stdout.write(`kill -9 → all ${SESSIONS} connected on instance-2: ${failover.toFixed(1)} s\n`);

    await fleet.addWorker('instance-1');
    await pinAll(
      redis,
      prefix,
      sessions.map((s) => s.workspace),
      'instance-1',
    );
    await allConnectedOn(redis, prefix, ids, 'instance-1', 180_000);
    const drainedAt = Date.now();
    await fleet.stopWorker('instance-1', 'SIGTERM');
    await allConnectedOn(redis, prefix, ids, 'instance-2', 180_000);
    const drain = (Date.now() - drainedAt) / 1000;
    process.stdout.write(`SIGTERM drain → all ${SESSIONS} connected on instance-2: ${drain.toFixed(1)} s\n`);
    const stats = await fleet.simulator.stats();
    return [
      `| kill -9 of a worker with ${SESSIONS} sessions → all connected elsewhere | ${failover.toFixed(1)} s | ≤ 30 s |`,
      `| planned drain (SIGTERM) of ${SESSIONS} sessions → all connected elsewhere | ${drain.toFixed(1)} s | ≤ 15 s |`,
      `| 440 conflicts at the simulator / accounts with two sockets at once | ${stats.conflicts} / ${stats.perAccount.filter((a) => a.maxConcurrent > 1).length} | 0 / 0 |`,
    ];
  } finally {
    await fleet.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  process.stdout.write(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);
  process.stdout.write(
    `\nJoins with ${WORKSPACES} workspaces over ${SHARDS} shards\n| join | workspaces moved | ideal 1/(N+1) | off ideal | max/mean per worker |\n|---|---|---|---|---|\n`,
  );
  for (const from of [3, 7, 8]) process.stdout.write(`${joinFigures(from)}\n`);
  const rows = await processFigures();
  process.stdout.write(`\nFailover (heartbeat TTL ${HEARTBEAT_TTL_MS} ms)\n| measure | result | target |\n|---|---|---|\n${rows.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-failover failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
