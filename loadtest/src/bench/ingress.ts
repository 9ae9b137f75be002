#!/usr/bin/env node
// make bench-ingress: autocannon against POST /api/messages/send, first against the ingress process
// alone (sessions in Redis, nothing consuming), then with the simulator, the ingress and two workers
// up as separate processes, sessions connected and sending what is queued: once with every process
// at the same priority, once with the workers and the simulator in the background (SCHED_IDLE), as
// if the ingress had machines of its own.
// Prints requests/s, p50 and p99 for closed-loop runs at several connection counts (autocannon's
// own rate limiter sends each second's requests in one burst, which measures the burst, not the
// rate; closed-loop runs keep a steady load).
import os from 'node:os';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import path from 'node:path';
import { createKeys } from '@fleet/keys';
import { SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, startProcess, waitFor } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../harness/local-fleet';
import { runAtIdlePriority } from './bench-util';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION = Number(process.env.BENCH_DURATION ?? 20);
const SESSIONS = 4;
/** Distinct recipients: Signal sessions are set up once per pair, then reused, as in a CRM's day. */
const RECIPIENTS = 50;
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '4,8,12,16').split(',').map(Number);

interface Figures {
  readonly label: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function run(fleet: Pick<LocalFleet, 'ingressUrl' | 'apiKey'>, label: string, connections: number): Promise<Figures> {
  let counter = 0;
  const result = await autocannon({
    url: `${fleet.ingressUrl}/api/messages/send`,
    method: 'POST',
    connections,
    duration: DURATION,
    headers: { authorization: `Bearer ${fleet.apiKey}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          counter += 1;
          const body = JSON.stringify({
            session_id: `bench-${counter % SESSIONS}`,
            to: `+1555${String(counter % RECIPIENTS).padStart(7, '0')}`,
            text: `load ${counter}`,
          });
          return { ...request, body };
        },
      },
    ],
  });
  return {
    label,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const INGRESS_BIN = path.join(path.dirname(require.resolve('@fleet/ingress')), 'bin.js');

function table(runs: readonly Figures[]): string {
  const rows = runs.map((f) => `| ${f.label} | ${f.rps} | ${f.p50} | ${f.p99} | ${f.non2xx} | ${f.errors} |`);
  return `| run | requests/s | p50 ms | p99 ms | non-2xx | errors |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
}

/** The ingress process alone: sessions exist in Redis, no worker consumes (its own cost only). */
async function ingressAlone(redis: Redis): Promise<Figures[]> {
  const prefix = freshPrefix('bench');
  const apiKey = `bench-${prefix}-0123456789`;
  const ingress = startProcess(INGRESS_BIN, {
    REDIS_URL,
    REDIS_PREFIX: prefix,
    API_KEYS: apiKey,
    INGRESS_HOST: '127.0.0.1',
    INGRESS_PORT: '0',
    LOG_LEVEL: 'warn',
  });
  try {
    const ingressUrl = (await ingress.waitForLine(/http:\/\/127\.0\.0\.1:\d+/)).trim();
    const sessions = new SessionStore(redis, createKeys(prefix));
    for (let i = 0; i < SESSIONS; i += 1) await sessions.create({ sessionId: `bench-${i}`, workspaceId: i + 1, accountId: '1', shard: i });
    const runs: Figures[] = [];
    for (const connections of CONNECTIONS) runs.push(await run({ ingressUrl, apiKey }, `alone, ${connections} connections`, connections));
    return runs;
  } finally {
    await ingress.stop();
    await cleanPrefix(redis, prefix);
  }
}

/**
 * In the checklist's topology the ingress runs on machines of its own, away from the workers. On one
 * 2-core machine that is emulated by running the workers and the simulator under SCHED_IDLE (`chrt
 * --idle`): they get every cycle the ingress, Redis and the load generator (which stands for Laravel)
 * leave free, and never delay them. They keep consuming and sending throughout and drain the rest of
 * the backlog afterwards. Needs `chrt` (util-linux); without it that part is skipped.
 */
function runInBackground(fleet: LocalFleet): boolean {
  for (const [name, child] of fleet.processes) {
    if (name !== 'ingress' && child.child.pid && !runAtIdlePriority(child.child.pid)) return false;
  }
  return true;
}

/**
 * The whole pipeline on this machine: simulator, ingress, two workers sending what is accepted.
 * First with every process at the same priority, then with the workers and the simulator in the
 * background (see `runInBackground`).
 */
async function withWorkers(redis: Redis): Promise<{ runs: Figures[]; received: number; background: boolean }> {
  const prefix = freshPrefix('bench');
  // 4 sessions take hundreds of messages a second each here: far past the per-session send pace that
  // protects a real number (SEND_RATE_PER_SESSION, 5 a second), which would hold nearly all of them in
  // the outboxes. This bench measures the pipeline's throughput, so the pace is off for its workers.
  const fleet = await startLocalFleet({ redisUrl: REDIS_URL, prefix, workers: 2, workerEnv: { SEND_RATE_PER_SESSION: '0' } });
  try {
    for (let i = 0; i < SESSIONS; i += 1) await fleet.pair(`bench-${i}`, i + 1, `1555000${1000 + i}`);
    const runs: Figures[] = [];
    for (const connections of CONNECTIONS) runs.push(await run(fleet, `workers up, same priority, ${connections} connections`, connections));
    const background = runInBackground(fleet);
    if (background) {
      for (const connections of CONNECTIONS) runs.push(await run(fleet, `workers up, in the background, ${connections} connections`, connections));
    }
    await waitFor(async () => (await fleet.simulator.stats()).messagesReceived > 0, { what: 'messages at the simulator' }).catch(() => undefined);
    return { runs, received: (await fleet.simulator.stats()).messagesReceived, background };
  } finally {
    await fleet.close();
    await cleanPrefix(redis, prefix);
  }
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    process.stdout.write(`${SESSIONS} sessions; ${DURATION}s per run\n`);
    const alone = await ingressAlone(redis);
    const pipeline = await withWorkers(redis);
    process.stdout.write(`
machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}
${table([...alone, ...pipeline.runs])}messages the simulator received while the pipeline runs went on: ${pipeline.received}
${pipeline.background ? '' : 'chrt (util-linux) is missing: the runs with the workers in the background were skipped\n'}`);
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-ingress failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
