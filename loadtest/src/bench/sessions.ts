#!/usr/bin/env node
// make bench-sessions: the simulator, the ingress and ONE worker as separate processes. Creates
// BENCH_SESSIONS sessions through the API in waves of BENCH_WAVE concurrent creations, pairs each wave
// through the simulator's virtual phones, and prints time to all connected, worker RSS per connected
// session, QR latency (create → QR readable via the API) and send latency (API → sent, API →
// delivered) at a paced BENCH_SEND_RATE messages/s for BENCH_SEND_SECONDS. A script, not a test.
// The worker's credentials pool is sized to a wave (CREDS_POOL_SIZE) and each wave starts once it is
// full, as on a worker that was idle before a burst; the simulator's pool of contact identities is
// sized to every recipient, as WhatsApp has its users' keys before anyone writes to them.
// Before the waves, one burst of BENCH_WAVE creations right after the start is measured and deleted
// (BENCH_FIRST_BURST=0 skips it): the waves then run on a worker whose code the JIT has compiled, as
// on one that has been up for a while. Clients wait for QRs with `/qr?wait=`, not by polling.
// Last, the burst case: BENCH_BURST_SESSIONS sessions each send BENCH_BURST_SIZE messages at once to one
// recipient; every message must be delivered in order with no copy the recipient cannot decrypt.
import os from 'node:os';
import { createRedis } from '@fleet/redis';
import { createKeys } from '@fleet/keys';
import { SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix } from '@fleet/testing';
import { startLocalFleet, type LocalFleet } from '../harness/local-fleet';
import { cpuMsOf, mapLimit, metricValue, mib, ms, percentile, rssOf, runAtIdlePriority, sleep } from './bench-util';
import { costTable, countsSince, cpuSince, fleetCpu, fleetPids, runFloor, workCounts, type FleetCpu, type FloorFigures, type WorkCounts } from './cost';
import { burstRows, burstSends, knownContactPasses, paceSends, sendRows, workerMetrics } from './session-sends';

const env = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SESSIONS = env('BENCH_SESSIONS', 500);
const WAVE = env('BENCH_WAVE', 500);
const PAIR_CONCURRENCY = env('BENCH_PAIR_CONCURRENCY', 32);
const SEND_RATE = env('BENCH_SEND_RATE', 200);
const SEND_SECONDS = env('BENCH_SEND_SECONDS', 20);
const SEND_PLAN = { rate: SEND_RATE, seconds: SEND_SECONDS };
/** The burst case: this many sessions each send BENCH_BURST_SIZE messages at once to one recipient. */
const BURST_SESSIONS = env('BENCH_BURST_SESSIONS', 200);
const BURST_SIZE = env('BENCH_BURST_SIZE', 20);
/** Passes of known-contact sends (see `knownContactPasses`); the table's row is the last. */
const KNOWN_PASSES = env('BENCH_KNOWN_PASSES', 1);
/** How long one QR request waits for the QR (`/qr?wait=`), the way a client waits for it. */
const QR_WAIT_S = 30;
/** The connector gives the first QR of a socket 60 s (`qr_expires_at` − 60 s = when the worker got it). */
const FIRST_QR_TTL_MS = 60_000;

interface Created {
  readonly id: string;
  readonly phone: string;
  /** Create request → QR answered to a request waiting for it (`/qr?wait=`), ms. */
  readonly seenMs: number;
  /** Create request → QR written by the worker (from qr_expires_at), ms. */
  readonly exactMs: number;
}

/** A first burst on the freshly started worker (its code not yet compiled by the JIT), then deleted. */
const FIRST_BURST = process.env.BENCH_FIRST_BURST !== '0';

const sessionId = (i: number): string => `bench-${i}`;
const phoneOf = (i: number): string => `1555${String(i).padStart(7, '0')}`;

async function createOne(fleet: LocalFleet, i: number, id = sessionId(i)): Promise<Created> {
  const started = Date.now();
  const created = await fleet.api('POST', '/api/sessions/create', { session_id: id, workspace_id: 1 + (i % 997), account_id: String(i) });
  if (created.status >= 300) throw new Error(`create ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  for (;;) {
    const qr = await fleet.api('GET', `/api/sessions/${id}/qr?format=raw&wait=${QR_WAIT_S}`);
    if (qr.status === 200) {
      return { id, phone: phoneOf(i), seenMs: Date.now() - started, exactMs: qr.body.expires_at - FIRST_QR_TTL_MS - started };
    }
    if (Date.now() - started > 120_000) throw new Error(`no QR for ${id} after 120 s: ${JSON.stringify(qr.body)}`);
  }
}

/**
 * Scans the session's current QR as its phone and waits until its record says connected. The record
 * is read from Redis, not polled through the API: an application learns it from the webhook, and
 * polling the ingress would count the load generator's requests as Fleet's cost of a pairing.
 */
async function pairOne(fleet: LocalFleet, store: SessionStore, session: Created): Promise<void> {
  const deadline = Date.now() + 120_000;
  const qr = await fleet.api('GET', `/api/sessions/${session.id}/qr?format=raw`);
  if (qr.status !== 200) throw new Error(`QR of ${session.id} gone: ${JSON.stringify(qr.body)}`);
  await fleet.simulator.scan(qr.body.qr, session.phone);
  for (;;) {
    const record = await store.get(session.id);
    if (record?.status === 'connected') return;
    if (Date.now() > deadline) throw new Error(`${session.id} not connected: ${JSON.stringify(record)}`);
    await sleep(200);
  }
}

/**
 * The same burst of creations on the worker right after its start, deleted afterwards: the JIT is
 * still compiling then, so it is slower than on a worker that has been running (the measured waves).
 */
async function firstBurst(fleet: LocalFleet, size: number): Promise<Created[]> {
  const burst = await Promise.all(Array.from({ length: size }, (_, i) => createOne(fleet, i, `first-${i}`)));
  await mapLimit(burst, 64, async (session) => {
    const answer = await fleet.api('DELETE', `/api/sessions/${session.id}`);
    if (answer.status !== 202) throw new Error(`delete ${session.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  });
  const deadline = Date.now() + 60_000;
  while (
    (await mapLimit(burst, 64, async (session) => (await fleet.api('GET', `/api/sessions/${session.id}/status`)).status)).some((status) => status !== 404)
  ) {
    if (Date.now() > deadline) throw new Error('the first burst was not deleted within 60 s');
    await sleep(500);
  }
  return burst;
}

/** Waits (at most a minute) until `level()` reaches `target`; returns the last level seen. */
async function waitForLevel(level: () => Promise<number>, target: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  let seen = await level();
  while (seen < target && Date.now() < deadline) {
    await sleep(500);
    seen = await level();
  }
  return seen;
}

const perUnit = (total: number, units: number): string => (total / Math.max(1, units)).toFixed(1);

/** BENCH_FLOOR=0 skips the bare-Baileys floor run (the cost table then has no floor column). */
const WITH_FLOOR = process.env.BENCH_FLOOR !== '0';

async function main(): Promise<void> {
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  // The floor first, on a quiet machine: the same sessions and sends through bare Baileys.
  const floor: FloorFigures | undefined = WITH_FLOOR ? await runFloor(SESSIONS, SEND_RATE, SEND_SECONDS, (line) => out(`  ${line}`)) : undefined;
  const prefix = freshPrefix('bench-sess');
  const fleet = await startLocalFleet({
    redisUrl: REDIS_URL,
    prefix,
    workers: 1,
    maxSessionsPerWorker: SESSIONS + 100,
    logLevel: 'error',
    workerEnv: {
      CREDS_POOL_SIZE: String(Math.min(WAVE, SESSIONS)),
      ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
      // A/B runs of a worker setting: BENCH_WORKER_ENV="SHARD_CONCURRENCY=4,OTHER=1".
      ...Object.fromEntries(
        (process.env.BENCH_WORKER_ENV ?? '')
          .split(',')
          .filter(Boolean)
          .map((pair) => pair.split('=') as [string, string]),
      ),
    },
    simulatorEnv: { SIM_IDENTITY_POOL: String(SESSIONS + SEND_RATE * SEND_SECONDS + 100) },
  });
  const redis = createRedis(REDIS_URL);
  const store = new SessionStore(redis, createKeys(prefix));
  try {
    const pid = fleet.processes.get('instance-1')!.child.pid!;
    // The simulator (WhatsApp's servers) and this process (the Laravel app) are not Fleet's cost.
    const background = runAtIdlePriority(fleet.processes.get('simulator')!.child.pid!) && runAtIdlePriority(process.pid);
    const fleetProcesses = await fleetPids(fleet, redis);
    out(
      `simulator and load generator ${background ? 'at SCHED_IDLE' : 'at normal priority (chrt failed)'}; Fleet's CPU = ingress + worker + ${fleetProcesses.redis ? 'Redis' : 'no Redis (not on this machine)'}`,
    );
    await sleep(3_000);
    const baseline = await rssOf(pid);
    out(`worker pid ${pid}, idle RSS ${mib(baseline)} MiB; ${SESSIONS} sessions in waves of ${WAVE}, ${PAIR_CONCURRENCY} pairings in flight`);

    const pids = { worker: pid, simulator: fleet.processes.get('simulator')!.child.pid!, ingress: fleet.processes.get('ingress')!.child.pid! };
    const cpu = { createWorker: 0, createSim: 0, createIngress: 0, pairWorker: 0, pairSim: 0 };
    let pairingCpu: FleetCpu = { ingress: 0, workers: 0, redis: 0 };
    let pairingCounts: WorkCounts = { redisCommands: 0, workerWrites: 0, ingressWrites: 0 };
    let first: Created[] = [];
    if (FIRST_BURST) {
      const size = Math.min(WAVE, SESSIONS);
      await waitForLevel(async () => metricValue(await workerMetrics(fleet), 'fleet_creds_pool_ready'), size);
      first = await firstBurst(fleet, size);
      out(
        `  first burst of ${size} right after the start: QR p95 ${ms(
          percentile(
            first.map((c) => c.exactMs),
            0.95,
          ),
        )} ms; deleted`,
      );
    }
    const cpuNow = async () => ({ worker: await cpuMsOf(pids.worker), simulator: await cpuMsOf(pids.simulator), ingress: await cpuMsOf(pids.ingress) });
    const begin = Date.now();
    const created: Created[] = [];
    let firstWave: Created[] = [];
    let createMs = 0;
    let pairMs = 0;
    for (let from = 0; from < SESSIONS; from += WAVE) {
      const indexes = Array.from({ length: Math.min(WAVE, SESSIONS - from) }, (_, k) => from + k);
      const credsReady = await waitForLevel(async () => metricValue(await workerMetrics(fleet), 'fleet_creds_pool_ready'), indexes.length);
      out(`  wave of ${indexes.length}: ${credsReady} credentials ready on the worker`);
      const waveStart = Date.now();
      const c0 = await cpuNow();
      const f0 = await fleetCpu(fleetProcesses);
      const n0 = await workCounts(fleetProcesses, redis);
      const wave = await Promise.all(indexes.map((i) => createOne(fleet, i)));
      createMs += Date.now() - waveStart;
      const c1 = await cpuNow();
      if (from === 0) firstWave = wave;
      const pairStart = Date.now();
      await mapLimit(wave, PAIR_CONCURRENCY, (session) => pairOne(fleet, store, session));
      pairMs += Date.now() - pairStart;
      const c2 = await cpuNow();
      // The credentials of a session are part of its cost: the worker's pool made them before the wave
      // (not counted) and makes as many again now (counted), as the floor makes one per session.
      await waitForLevel(async () => metricValue(await workerMetrics(fleet), 'fleet_creds_pool_ready'), indexes.length);
      const spent = cpuSince(f0, await fleetCpu(fleetProcesses));
      pairingCpu = { ingress: pairingCpu.ingress + spent.ingress, workers: pairingCpu.workers + spent.workers, redis: pairingCpu.redis + spent.redis };
      const counted = countsSince(n0, await workCounts(fleetProcesses, redis));
      pairingCounts = {
        redisCommands: pairingCounts.redisCommands + counted.redisCommands,
        workerWrites: pairingCounts.workerWrites + counted.workerWrites,
        ingressWrites: pairingCounts.ingressWrites + counted.ingressWrites,
      };
      cpu.createWorker += c1.worker - c0.worker;
      cpu.createSim += c1.simulator - c0.simulator;
      cpu.createIngress += c1.ingress - c0.ingress;
      cpu.pairWorker += c2.worker - c1.worker;
      cpu.pairSim += c2.simulator - c1.simulator;
      created.push(...wave);
      out(`  ${created.length} connected after ${((Date.now() - begin) / 1000).toFixed(1)} s, worker RSS ${mib(await rssOf(pid))} MiB`);
    }
    const allConnectedMs = Date.now() - begin;

    await sleep(10_000);
    const rss = await rssOf(pid);
    const metrics = await workerMetrics(fleet);
    const connected = metricValue(metrics, 'fleet_sessions', { status: 'connected' });
    const heapUsed = metricValue(metrics, 'nodejs_heap_size_used_bytes');
    const external = metricValue(metrics, 'nodejs_external_memory_bytes');

    const identities = await waitForLevel(async () => (await fleet.simulator.stats()).identitiesReady, SEND_RATE * SEND_SECONDS);
    out(`  ${identities} contact identities ready at the simulator`);
    const sends = await paceSends(fleet, fleetProcesses, redis, created, SEND_PLAN);
    const repeats = await knownContactPasses(fleet, fleetProcesses, redis, created, SEND_PLAN, KNOWN_PASSES, out);
    const burst = await burstSends(fleet, fleetProcesses, redis, created.slice(0, BURST_SESSIONS), BURST_SIZE);
    const sim = await fleet.simulator.stats();
    const rssAfterSends = await rssOf(pid);

    const floorSend = (label: string) => floor?.sends.find((send) => send.label === label);
    const qrP95 = percentile(
      firstWave.map((c) => c.exactMs),
      0.95,
    );
    out(`
## Fleet's own cost against bare Baileys (make bench-sessions) — ${new Date().toISOString().slice(0, 10)}
${SESSIONS} sessions, sends at ${SEND_RATE}/s for ${SEND_SECONDS} s; CPU in ms per unit of work, the simulator and load generator at SCHED_IDLE and not counted
${costTable(
  [
    {
      unit: 'paired session (credentials, create → QR → scan → connected)',
      floorMs: floor?.perSessionMs.total ?? Number.NaN,
      fleet: pairingCpu,
      units: SESSIONS,
      latency: { label: 'QR', floor: floor?.qr.p95 ?? Number.NaN, fleet: qrP95 },
    },
    {
      unit: 'message to a first contact (API → delivered)',
      floorMs: floorSend('first contacts')?.perMessageMs ?? Number.NaN,
      fleet: sends.cpu,
      units: sends.count,
      latency: { label: '→ delivered', floor: floorSend('first contacts')?.toDelivered.p95 ?? Number.NaN, fleet: percentile(sends.toDelivered, 0.95) },
    },
    {
      unit: 'message to a known contact (API → delivered)',
      floorMs: floorSend('known contacts')?.perMessageMs ?? Number.NaN,
      fleet: repeats.cpu,
      units: repeats.count,
      latency: { label: '→ delivered', floor: floorSend('known contacts')?.toDelivered.p95 ?? Number.NaN, fleet: percentile(repeats.toDelivered, 0.95) },
    },
    {
      // The floor sends no bursts: its known-contact message is the reference.
      unit: `message in a burst (${BURST_SIZE} at once from each of ${burst.sessions} sessions; floor: a known contact)`,
      floorMs: floorSend('known contacts')?.perMessageMs ?? Number.NaN,
      fleet: burst.cpu,
      units: burst.accepted,
      latency: { label: '→ delivered', floor: Number.NaN, fleet: percentile(burst.toDelivered, 0.95) },
    },
  ],
  fleetProcesses.redis !== undefined,
)}

| per unit | Redis commands | worker write syscalls | ingress write syscalls |
|---|---|---|---|
${(
  [
    ['paired session (the bench reads each record every 200 ms until connected)', { counts: pairingCounts, count: SESSIONS }],
    ['first contacts', { counts: sends.counts, count: sends.count }],
    ['known contacts', { counts: repeats.counts, count: repeats.count }],
    ['in a burst', { counts: burst.counts, count: burst.accepted }],
  ] as const
)
  .map(
    ([label, run]) =>
      `| ${label} | ${perUnit(run.counts.redisCommands, run.count)} | ${perUnit(run.counts.workerWrites, run.count)} | ${perUnit(run.counts.ingressWrites, run.count)} |`,
  )
  .join('\n')}
(all clients of Redis counted: run the bench on a Redis of its own, TEST_REDIS_URL, for exact figures)

## Sessions (make bench-sessions) — ${new Date().toISOString().slice(0, 10)}
machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load average at the end ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}
| figure | value |
|---|---|
| sessions connected on one worker | ${connected} / ${SESSIONS} |
| time to all connected (first create → last connected) | ${(allConnectedMs / 1000).toFixed(1)} s (creations ${(createMs / 1000).toFixed(1)} s, pairing ${(pairMs / 1000).toFixed(1)} s, ${(SESSIONS / (pairMs / 1000)).toFixed(0)} pairings/s) |
| worker RSS idle → all connected (+10 s) | ${mib(baseline)} → ${mib(rss)} MiB (heap used ${mib(heapUsed)} MiB, external ${mib(external)} MiB) |
| worker RSS per connected session | ${((rss - baseline) / 1024 / Math.max(1, connected)).toFixed(0)} KiB (${((rss - baseline) / 2 ** 20 / Math.max(1, connected)).toFixed(2)} MiB) |
| worker RSS after the send run | ${mib(rssAfterSends)} MiB |
| CPU per session, create → QR: worker / simulator / ingress | ${(cpu.createWorker / SESSIONS).toFixed(1)} / ${(cpu.createSim / SESSIONS).toFixed(1)} / ${(cpu.createIngress / SESSIONS).toFixed(1)} ms |
| CPU per session, scan → connected: worker / simulator | ${(cpu.pairWorker / SESSIONS).toFixed(1)} / ${(cpu.pairSim / SESSIONS).toFixed(1)} ms |
${
  first.length > 0
    ? `| QR latency, ${first.length} concurrent creations right after the worker started: worker wrote it, p50 / p95 / max | ${ms(
        percentile(
          first.map((c) => c.exactMs),
          0.5,
        ),
      )} / ${ms(
        percentile(
          first.map((c) => c.exactMs),
          0.95,
        ),
      )} / ${ms(Math.max(...first.map((c) => c.exactMs)))} ms |\n`
    : ''
}| QR latency, ${firstWave.length} concurrent creations${first.length > 0 ? ' on the running worker' : ''}: worker wrote it, p50 / p95 / max | ${ms(
      percentile(
        firstWave.map((c) => c.exactMs),
        0.5,
      ),
    )} / ${ms(
      percentile(
        firstWave.map((c) => c.exactMs),
        0.95,
      ),
    )} / ${ms(Math.max(...firstWave.map((c) => c.exactMs)))} ms |
| QR latency, same, answered to the client waiting on /qr?wait=${QR_WAIT_S}, p50 / p95 | ${ms(
      percentile(
        firstWave.map((c) => c.seenMs),
        0.5,
      ),
    )} / ${ms(
      percentile(
        firstWave.map((c) => c.seenMs),
        0.95,
      ),
    )} ms |
${sendRows('first contacts', sends, created.length, SEND_PLAN)}
${sendRows('known contacts (same pairs again)', repeats, created.length, SEND_PLAN)}
${burstRows(burst)}
| simulator: conflicts, logins, handshake failures, messages received | ${sim.conflicts}, ${sim.logins}, ${sim.handshakeFailures}, ${sim.messagesReceived} |
`);
    // Figures are printed, not judged; losing, reordering or breaking a message is not a figure.
    const broken = [
      ...(burst.notDelivered > 0 ? [`${burst.notDelivered} burst messages not delivered`] : []),
      ...(burst.outOfOrder > 0 ? [`${burst.outOfOrder} recipients got their burst out of order`] : []),
      ...(burst.decryptFailures > 0 ? [`${burst.decryptFailures} copies the recipients could not decrypt`] : []),
      ...(sends.failed + sends.missing + repeats.failed + repeats.missing > 0 ? ['paced sends failed or were not delivered'] : []),
    ];
    if (broken.length > 0) throw new Error(`messages were lost or broken: ${broken.join('; ')}`);
  } catch (error) {
    // What each process said last (and whether it is still alive) is what explains a failed run.
    for (const [name, service] of fleet.processes) {
      const { exitCode, signalCode } = service.child;
      const state = exitCode === null && signalCode === null ? 'running' : `exited (${exitCode ?? signalCode})`;
      process.stderr.write(`--- ${name}: ${state}, last output:\n${service.output().split('\n').slice(-15).join('\n')}\n`);
    }
    throw error;
  } finally {
    await fleet.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-sessions failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
