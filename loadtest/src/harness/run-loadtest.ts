import path from 'node:path';
import { createRedis } from '@fleet/redis';
import { cleanPrefix, freshPrefix } from '@fleet/testing';
import { runAtIdlePriority } from '../bench/bench-util';
import { CostMeter, fleetPids, runFloor, type CostRow, type FloorFigures } from '../bench/cost';
import { runFigures, type RunFigures } from './figures';
import { checkInvariants, type InvariantReport } from './invariants';
import { LoadClient } from './load-client';
import { startLocalFleet, type LocalFleet } from './local-fleet';
import { Poller } from './poller';
import { Recorder } from './recorder';
import { writeReport, type ReportFiles } from './report';
import { Sampler } from './sampler';
import { SCENARIOS, type ScenarioOptions } from './scenarios';
import { SentTracker } from './sent-tracker';
import { settleMessages, type SettleResult } from './settle';

export interface LoadtestOptions extends ScenarioOptions {
  readonly scenario: string;
  readonly workers: number;
  readonly redisUrl: string;
  /** Where `<timestamp>-<scenario>/` is written (default loadtest/reports). */
  readonly reportRoot?: string;
  /** Seconds between progress lines (default 5). */
  readonly progressEveryS?: number;
  /** Progress output (default stderr). */
  readonly log?: (line: string) => void;
  /** Status probes per second the harness's waits may send, over all sessions (default 200). */
  readonly pollRate?: number;
  /**
   * Measure as a cost bench (make loadtest): the simulator and this process at SCHED_IDLE (they stand
   * for WhatsApp and the Laravel app), and the bare-Baileys floor run first with the same sessions and
   * send rate, for the report's cost table. Off in tests: it would lower the test runner's priority.
   */
  readonly costBench?: boolean;
}

/** What the report's cost section holds: Fleet's CPU per unit against the floor's. */
export interface CostFacts {
  readonly rows: readonly CostRow[];
  readonly redisCounted: boolean;
  readonly background: boolean;
  readonly floor: FloorFigures;
}

/** The default of LoadtestOptions.pollRate. */
export const DEFAULT_POLL_RATE = 200;

export interface LoadtestResult {
  readonly files: ReportFiles;
  readonly invariants: InvariantReport;
  readonly settle: SettleResult;
  readonly accepted: number;
  readonly paired: number;
  readonly errors: number;
  readonly figures: RunFigures;
}

export const DEFAULT_REPORT_ROOT = path.resolve(__dirname, '..', '..', '..', 'reports');

function progressLine(recorder: Recorder, client: LoadClient, sampler: Sampler): string {
  const qr = recorder.summary('qr');
  const status = recorder.summary('api_status');
  const send = recorder.summary('api_send');
  const cpu = [...sampler.processes.entries()].map(([name, s]) => `${name.replace('instance-', 'w')} ${(s.at(-1)?.cpu ?? 0).toFixed(0)}%`).join(' ');
  return (
    `[${(recorder.now() / 1000).toFixed(0)} s] created ${client.created}, connected ${sampler.connected()} (paired ${client.paired.length}), ` +
    `sends accepted ${client.accepted.size}, errors ${recorder.errorTotal()} | QR p95 ${Math.round(qr.p95)} ms, ` +
    `send API p95 ${Math.round(send.p95)} ms, status p50 ${Math.round(status.p50)} ms | CPU ${cpu}`
  );
}

/**
 * Logs (with its last output) any fleet process that exits while the run still needs it, so that a crash
 * reads as a crash instead of as a slow fleet. Returns the function that stops watching.
 */
export function watchExits(fleet: LocalFleet, log: (line: string) => void): () => void {
  let closing = false;
  for (const [name, proc] of fleet.processes) {
    proc.child.once('exit', (code, signal) => {
      if (!closing) log(`${name} exited during the run (code ${code}, signal ${signal}); its last output:\n${proc.output().slice(-3000)}`);
    });
  }
  return () => {
    closing = true;
  };
}

/** Starts a local fleet, runs one scenario against it while sampling, checks correctness, writes the report. */
export async function runLoadtest(options: LoadtestOptions): Promise<LoadtestResult> {
  const scenario = SCENARIOS.get(options.scenario);
  if (!scenario) throw new Error(`unknown scenario "${options.scenario}"; one of ${[...SCENARIOS.keys()].join(', ')}`);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The floor first, while nothing else runs: the same sessions and send pace through bare Baileys.
  const floor = options.costBench
    ? await runFloor(options.sessions, options.sendRate, Math.min(20, options.durationS), (line) => log(`floor: ${line}`))
    : undefined;
  const prefix = freshPrefix('load');
  const fleet = await startLocalFleet({
    redisUrl: options.redisUrl,
    prefix,
    workers: options.workers,
    logLevel: 'error',
    maxSessionsPerWorker: options.sessions + 100,
  });
  const redis = createRedis(options.redisUrl);
  const recorder = new Recorder();
  const pollRate = options.pollRate ?? DEFAULT_POLL_RATE;
  const poller = new Poller({ maxPerSecond: pollRate });
  const client = new LoadClient(fleet, recorder, poller);
  const sampler = new Sampler(fleet, recorder.startedAt);
  const tracker = new SentTracker(fleet.simulator);
  const progress = setInterval(() => log(progressLine(recorder, client, sampler)), (options.progressEveryS ?? 5) * 1000);
  const stopWatching = watchExits(fleet, log);
  const meter = options.costBench ? new CostMeter(await fleetPids(fleet, redis)) : undefined;
  let pairedByPairing = 0;
  if (meter) {
    recorder.onPhaseEdge = async (name, edge) => {
      if (name === 'pairing' && edge === 'end') pairedByPairing = client.paired.length;
      await meter.mark(`${name}:${edge}`);
    };
  }
  const background = options.costBench ? runAtIdlePriority(fleet.processes.get('simulator')!.child.pid!) && runAtIdlePriority(process.pid) : false;
  try {
    sampler.start();
    tracker.start();
    log(`fleet up: simulator, ingress, ${options.workers} workers; scenario ${scenario.name}: ${scenario.describe}`);
    await scenario.run({ fleet, client, recorder, options, log });
    const wallMs = recorder.now();
    log(`scenario done after ${(wallMs / 1000).toFixed(1)} s; waiting for ${client.accepted.size} messages to leave the queues`);
    const settle = await settleMessages(fleet, client.accepted, recorder);
    await meter?.mark('settled');
    await tracker.stop();
    const invariants = await checkInvariants(
      fleet,
      client.accepted,
      client.paired.map((s) => s.phone),
      30_000,
      tracker,
    );
    clearInterval(progress);
    await sampler.stop();
    log(progressLine(recorder, client, sampler));
    const counts = {
      sessions: options.sessions,
      workers: options.workers,
      wallMs,
      created: client.created,
      paired: client.paired.length,
      accepted: client.accepted.size,
      settle,
      invariants,
    };
    const figures = runFigures(counts, recorder, sampler);
    const cost = meter && floor ? costFacts(meter, floor, client, pairedByPairing, background, recorder.summary('qr', 'pairing').p95) : undefined;
    const facts = {
      ...counts,
      scenario: scenario.name,
      describe: scenario.describe,
      options: pickOptions(options),
      probes: poller.probes,
      throttledMs: poller.throttledMs,
      pollRate,
      figures,
      ...(cost ? { cost } : {}),
    };
    const files = await writeReport(options.reportRoot ?? DEFAULT_REPORT_ROOT, facts, recorder, sampler);
    log(`report: ${files.markdown}`);
    return { files, invariants, settle, accepted: client.accepted.size, paired: client.paired.length, errors: recorder.errorTotal(), figures };
  } finally {
    stopWatching();
    clearInterval(progress);
    await tracker.stop();
    await sampler.stop();
    await fleet.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}

/**
 * The cost rows: the pairing phase per paired session; the timed load (its creations, sends and status
 * reads, until every message settled) per sent message, against what the same work costs bare Baileys:
 * its creations × the floor's paired session, first contacts (a session's first message to a
 * recipient) × the floor's first-contact message, the rest × its known-contact message. Status reads
 * have no floor (Baileys has no API): they are Fleet's own overhead here.
 */
function costFacts(meter: CostMeter, floor: FloorFigures, client: LoadClient, pairedByPairing: number, background: boolean, qrP95: number): CostFacts {
  const rows: CostRow[] = [];
  const pairing = meter.between('pairing:start', 'pairing:end');
  if (pairing)
    rows.push({
      unit: 'paired session, pairing phase (create → QR → scan → connected)',
      floorMs: floor.perSessionMs.total,
      fleet: pairing,
      units: pairedByPairing,
      latency: { label: 'QR', floor: floor.qr.p95, fleet: qrP95 },
    });
  const load = meter.between('load:start', 'settled');
  if (load) {
    const pairs = new Set<string>();
    let first = 0;
    for (const message of client.accepted.values()) {
      const pair = `${message.sessionId}>${message.to}`;
      if (!pairs.has(pair)) first += 1;
      pairs.add(pair);
    }
    const sends = client.accepted.size;
    const created = client.paired.length - pairedByPairing;
    const perMessage = (label: string): number => floor.sends.find((send) => send.label === label)?.perMessageMs ?? Number.NaN;
    const floorMs =
      (created * floor.perSessionMs.total + first * perMessage('first contacts') + (sends - first) * perMessage('known contacts')) / Math.max(1, sends);
    rows.push({
      unit: `timed load per sent message (${sends} sends, ${first} to first contacts; with ${created} creations and the status reads)`,
      floorMs,
      fleet: load,
      units: sends,
    });
  }
  return { rows, redisCounted: meter.pids.redis !== undefined, background, floor };
}

const pickOptions = (o: ScenarioOptions): ScenarioOptions => ({
  sessions: o.sessions,
  durationS: o.durationS,
  sendRate: o.sendRate,
  scanConcurrency: o.scanConcurrency,
  pairWave: o.pairWave,
});
