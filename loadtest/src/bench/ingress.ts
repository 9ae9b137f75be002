#!/usr/bin/env node
// make bench-ingress: autocannon against POST /api/messages/send with the simulator, the ingress
// and two workers up as separate processes, sessions connected and sending what is queued.
// Prints requests/s, p50 and p99 for closed-loop runs at several connection counts (autocannon's
// own rate limiter sends each second's requests in one burst, which measures the burst, not the
// rate; closed-loop runs keep a steady load).
import os from 'node:os';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { cleanPrefix, freshPrefix, waitFor } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../harness/local-fleet';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION = Number(process.env.BENCH_DURATION ?? 20);
const SESSIONS = 4;
/** Distinct recipients: Signal sessions are set up once per pair, then reused, as in a CRM's day. */
const RECIPIENTS = 50;
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '4,8,16').split(',').map(Number);

interface Figures {
  readonly label: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function run(fleet: LocalFleet, label: string, connections: number): Promise<Figures> {
  let counter = 0;
  const result = await autocannon({
    url: `${fleet.ingressUrl}/api/messages/send`,
    method: 'POST',
    connections,
    duration: DURATION,
    headers: { authorization: `Bearer ${fleet.apiKey}`, 'content-type': 'application/json' },
    requests: [{
      setupRequest: (request) => {
        counter += 1;
        const body = JSON.stringify({ session_id: `bench-${counter % SESSIONS}`, to: `+1555${String(counter % RECIPIENTS).padStart(7, '0')}`, text: `load ${counter}` });
        return { ...request, body };
      },
    }],
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

async function main(): Promise<void> {
  const prefix = freshPrefix('bench');
  const fleet = await startLocalFleet({ redisUrl: REDIS_URL, prefix, workers: 2 });
  const redis = new Redis(REDIS_URL);
  try {
    for (let i = 0; i < SESSIONS; i += 1) await fleet.pair(`bench-${i}`, i + 1, `1555000${1000 + i}`);
    process.stdout.write(`${SESSIONS} sessions connected over 2 workers; ${DURATION}s per run\n`);
    const runs: Figures[] = [];
    for (const connections of CONNECTIONS) runs.push(await run(fleet, `${connections} connections`, connections));
    await waitFor(async () => (await fleet.simulator.stats()).messagesReceived > 0, { what: 'messages at the simulator' }).catch(() => undefined);
    const stats = await fleet.simulator.stats();
    const rows = runs.map((f) => `| ${f.label} | ${f.rps} | ${f.p50} | ${f.p99} | ${f.non2xx} | ${f.errors} |`);
    process.stdout.write(`
machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}
| run | requests/s | p50 ms | p99 ms | non-2xx | errors |
|---|---|---|---|---|---|
${rows.join('\n')}
messages the simulator received while the bench ran: ${stats.messagesReceived}
`);
  } finally {
    await fleet.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-ingress failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
