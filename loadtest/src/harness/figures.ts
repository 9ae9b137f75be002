import type { InvariantReport } from './invariants';
import { LATENCY_KINDS, type LatencyKind, type Recorder, type Summary } from './recorder';
import type { Sampler } from './sampler';
import type { SettleResult } from './settle';

/** The three headline figures, each with the checklist's target and Fleet's own (ms, at most). */
export const TARGETS = [
  { key: 'qrP95', figure: 'QR p95', kind: 'qr', stat: 'p95', checklist: 10_000, ours: 1_000 },
  { key: 'sendP95', figure: 'send p95 (request → server ack)', kind: 'send', stat: 'p95', checklist: 2_000, ours: 250 },
  { key: 'apiP50', figure: 'API median (GET status)', kind: 'api_status', stat: 'p50', checklist: 1_000, ours: 5 },
] as const;

export type TargetSet = 'checklist' | 'ours';
export type Headline = Record<(typeof TARGETS)[number]['key'], number>;

/** Whether every headline figure is within `set`'s targets (a figure without samples does not count). */
export function meetsTargets(headline: Headline, set: TargetSet): boolean {
  return TARGETS.every((t) => !Number.isFinite(headline[t.key]) || headline[t.key] <= t[set]);
}

export interface ProcessFigures {
  /** Mean and peak CPU, % of one core. */
  readonly cpuMean: number;
  readonly cpuMax: number;
  readonly rssMaxBytes: number;
}

/** One run in numbers: what the report, the scaling table and the max search read. */
export interface RunFigures {
  readonly sessions: number;
  readonly workers: number;
  readonly wallS: number;
  readonly created: number;
  readonly paired: number;
  readonly accepted: number;
  readonly sent: number;
  readonly failed: number;
  readonly pending: number;
  readonly errors: number;
  /** lost + duplicated + accounts with two sockets + re-scanned accounts (0 for a correct run). */
  readonly violations: number;
  readonly unverified: number;
  /**
   * QR p95, send p95 and API median of the timed phase (mixed, soak: the load after pairing; send: the
   * burst) where it has samples, else of the whole run (create; QR of send).
   */
  readonly headline: Headline;
  /**
   * Sessions connected per second while pairing: 95 % of the sessions paired in the pairing phase over
   * the time from its start until they were connected (so one straggler does not decide it); 0 without one.
   */
  readonly pairingPerS: number;
  /** Messages sent per second, first send request → last sent_at (0 when none). */
  readonly sendPerS: number;
  readonly processes: Record<string, ProcessFigures>;
  /** Mean CPU of the workers (sum over workers / workers) and their largest RSS. */
  readonly workerCpuMean: number;
  readonly workerRssMaxBytes: number;
}

export interface FigureInputs {
  readonly sessions: number;
  readonly workers: number;
  readonly wallMs: number;
  readonly created: number;
  readonly paired: number;
  readonly accepted: number;
  readonly settle: SettleResult;
  readonly invariants: InvariantReport;
}

export function summaries(recorder: Recorder, phase?: string): Record<LatencyKind, Summary> {
  return Object.fromEntries(LATENCY_KINDS.map((kind) => [kind, recorder.summary(kind, phase)])) as Record<LatencyKind, Summary>;
}

function headlineOf(recorder: Recorder): Headline {
  const whole = summaries(recorder);
  const load = summaries(recorder, 'load');
  const pick = (kind: LatencyKind): Summary => (load[kind].count > 0 ? load[kind] : whole[kind]);
  return Object.fromEntries(TARGETS.map((t) => [t.key, pick(t.kind)[t.stat]])) as Headline;
}

function pairingRate(recorder: Recorder): number {
  const phase = recorder.phases().find((p) => p.name === 'pairing');
  if (!phase) return 0;
  const done = recorder
    .of('connect')
    .filter((s) => s.at >= phase.from && s.at <= phase.to)
    .map((s) => s.at + s.ms)
    .sort((a, b) => a - b);
  const k = Math.ceil(done.length * 0.95);
  const span = (done[k - 1] ?? phase.from) - phase.from;
  return k > 0 && span > 0 ? k / (span / 1000) : 0;
}

function processFigures(sampler: Sampler): Record<string, ProcessFigures> {
  return Object.fromEntries(
    [...sampler.processes.entries()].map(([name, samples]) => {
      const cpus = samples.map((s) => s.cpu);
      return [
        name,
        {
          cpuMean: cpus.reduce((a, b) => a + b, 0) / Math.max(1, cpus.length),
          cpuMax: Math.max(0, ...cpus),
          rssMaxBytes: Math.max(0, ...samples.map((s) => s.rssBytes)),
        },
      ];
    }),
  );
}

export function runFigures(input: FigureInputs, recorder: Recorder, sampler: Sampler): RunFigures {
  const { settle, invariants } = input;
  const processes = processFigures(sampler);
  const workers = Object.entries(processes)
    .filter(([name]) => name.startsWith('instance-'))
    .map(([, p]) => p);
  return {
    sessions: input.sessions,
    workers: input.workers,
    wallS: input.wallMs / 1000,
    created: input.created,
    paired: input.paired,
    accepted: input.accepted,
    sent: settle.sent,
    failed: settle.failed,
    pending: settle.pending,
    errors: recorder.errorTotal(),
    violations:
      invariants.lost.length +
      invariants.duplicated.length +
      invariants.doubleSockets.length +
      invariants.rescanned.length +
      invariants.decryptFailures +
      invariants.stuck.length,
    unverified: invariants.unverified ?? 0,
    headline: headlineOf(recorder),
    pairingPerS: pairingRate(recorder),
    sendPerS: settle.spanMs > 0 ? settle.sent / (settle.spanMs / 1000) : 0,
    processes,
    workerCpuMean: workers.reduce((sum, p) => sum + p.cpuMean, 0) / Math.max(1, workers.length),
    workerRssMaxBytes: Math.max(0, ...workers.map((p) => p.rssMaxBytes)),
  };
}
