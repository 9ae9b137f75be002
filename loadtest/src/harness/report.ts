import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mib, ms } from '../bench/bench-util';
import { costTable } from '../bench/cost';
import { renderChart } from './chart';
import { TARGETS, summaries as summariesOf, type FigureInputs, type RunFigures } from './figures';
import { LATENCY_KINDS, type LatencyKind, type Recorder, type Summary } from './recorder';
import type { Sampler } from './sampler';
import type { ScenarioOptions } from './scenarios';
import type { CostFacts } from './run-loadtest';

export interface RunFacts extends Omit<FigureInputs, 'sessions'> {
  readonly scenario: string;
  readonly describe: string;
  readonly options: ScenarioOptions;
  /** Probes the harness's waits sent (GET status while waiting for QRs and connected), and their cap per second. */
  readonly probes: number;
  /** How long due probes waited for the per-second cap (see Poller.throttledMs). */
  readonly throttledMs: number;
  readonly pollRate: number;
  readonly figures: RunFigures;
  /** Fleet's own CPU against the bare-Baileys floor (make loadtest; absent in tests). */
  readonly cost?: CostFacts;
}

export interface ReportFiles {
  readonly dir: string;
  readonly markdown: string;
  readonly json: string;
  readonly chart: string;
}

const mark = (value: number, limit: number): string => (!Number.isFinite(value) ? 'n/a' : value <= limit ? 'met' : 'MISSED');

function processRows(sampler: Sampler): string[] {
  return [...sampler.processes.entries()].map(([name, samples]) => {
    const cpus = samples.map((s) => s.cpu);
    const mean = cpus.reduce((a, b) => a + b, 0) / Math.max(1, cpus.length);
    const rss = samples.map((s) => s.rssBytes);
    return `| ${name} | ${mean.toFixed(0)} % | ${Math.max(0, ...cpus).toFixed(0)} % | ${mib(rss[0] ?? 0)} | ${mib(Math.max(0, ...rss))} | ${mib(rss.at(-1) ?? 0)} |`;
  });
}

function targetRows(summaries: Record<LatencyKind, Summary>): string[] {
  return [
    '| figure | value | checklist target | ours |',
    '|---|---|---|---|',
    ...TARGETS.map((t) => {
      const value = summaries[t.kind][t.stat];
      return `| ${t.figure} | ${ms(value)} ms (${summaries[t.kind].count} samples) | < ${t.checklist} ms: ${mark(value, t.checklist)} | ≤ ${t.ours} ms: ${mark(value, t.ours)} |`;
    }),
  ];
}

function latencyRows(summaries: Record<LatencyKind, Summary>): string[] {
  return [
    '| latency (ms) | count | p50 | p95 | p99 | max |',
    '|---|---|---|---|---|---|',
    ...LATENCY_KINDS.map((kind) => {
      const s = summaries[kind];
      return `| ${kind} | ${s.count} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} |`;
    }),
  ];
}

function phaseSection(recorder: Recorder): string[] {
  const load = recorder.phases().find((p) => p.name === 'load');
  if (!load) return [];
  const summaries = summariesOf(recorder, 'load');
  return [
    `### Timed phase only (operations started ${(load.from / 1000).toFixed(1)}-${(load.to / 1000).toFixed(1)} s, after pairing)`,
    '',
    ...targetRows(summaries),
    '',
    ...latencyRows(summaries),
    '',
  ];
}

function costSection(cost: CostFacts | undefined): string[] {
  if (!cost) return [];
  return [
    "### Fleet's own cost against bare Baileys",
    '',
    `CPU in ms per unit of work of Fleet's processes (ingress, workers${cost.redisCounted ? ', Redis' : '; Redis not on this machine, not counted'}); ` +
      `the simulator and the harness ${cost.background ? 'ran at SCHED_IDLE' : 'ran at normal priority (chrt failed)'} and are not counted. ` +
      `The floor: the same number of sessions and the same send rate through bare Baileys sockets (services/worker/bench/floor.ts), run first. ` +
      "The pairing phase includes the harness's status probes (see above); the load phase its status reads.",
    '',
    costTable(cost.rows, cost.redisCounted),
    '',
  ];
}

function markdown(facts: RunFacts, recorder: Recorder, sampler: Sampler, summaries: Record<LatencyKind, Summary>): string {
  const { options, settle, invariants, figures } = facts;
  const seconds = facts.wallMs / 1000;
  const lines = [
    `# Load harness report: ${facts.scenario}`,
    '',
    `${facts.describe}.`,
    '',
    `Date ${new Date().toISOString()}; machine ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}.`,
    `Sessions ${options.sessions}, workers ${facts.workers}, duration ${options.durationS} s, send rate ${options.sendRate}/s, scans in flight ${options.scanConcurrency}, ` +
      `pairing waves of ${options.pairWave || 'all'}; wall time ${seconds.toFixed(1)} s. The harness's waits sent ${facts.probes} status probes (at most ${facts.pollRate}/s; ` +
      `the cap held them back for ${(facts.throttledMs / 1000).toFixed(1)} s${facts.throttledMs > facts.wallMs / 10 ? ': pairing may have been paced by the harness, raise POLL_RATE' : ''}).`,
    '',
    "QR latency is create request → the worker's first QR (`qr_expires_at` − 60 s of the session record), connect is scan → the " +
      "worker's write of connected (`updated_at`), send is send request → the record's `sent_at` (server ack): exact, however " +
      'often the harness looks. API latencies are round trips seen by the harness.',
    '',
    ...costSection(facts.cost),
    '### Whole run',
    '',
    ...targetRows(summaries),
    '',
    ...latencyRows(summaries),
    '',
    ...phaseSection(recorder),
    '| throughput | value |',
    '|---|---|',
    `| sessions created / connected | ${facts.created} / ${facts.paired} |`,
    `| connected at the end (workers' metrics) | ${sampler.connected()} |`,
    `| messages accepted / sent / delivered / failed / still pending | ${facts.accepted} / ${settle.sent} / ${settle.delivered} / ${settle.failed} / ${settle.pending} |`,
    `| messages sent per second, first request → last sent_at (per worker) | ${figures.sendPerS.toFixed(1)} (${(figures.sendPerS / facts.workers).toFixed(1)}) |`,
    `| sessions paired per second while pairing, until 95 % were connected (per worker) | ${figures.pairingPerS.toFixed(1)} (${(figures.pairingPerS / facts.workers).toFixed(1)}) |`,
    '',
    `Errors: ${recorder.errorTotal()} ${JSON.stringify(recorder.errors())}`,
    ...recorder.examples().map((e) => `- ${e}`),
    '',
    'Correctness at the simulator: ' +
      `lost ${invariants.lost.length}, duplicated ${invariants.duplicated.length}, re-sent under their own id ${invariants.resent ?? 0}, accounts with two sockets ${invariants.doubleSockets.length}, ` +
      `conflicts ${invariants.conflicts}, re-scanned accounts ${invariants.rescanned.length}, copies recipients could not decrypt ${invariants.decryptFailures}, ` +
      `stuck queued or sending ${invariants.stuck.length}` +
      (invariants.unverified ? `; ${invariants.unverified} messages unverified (the simulator dropped records before the harness read them)` : '') +
      '.',
    '',
    '| process | CPU mean | CPU max | RSS first MiB | RSS max MiB | RSS last MiB |',
    '|---|---|---|---|---|---|',
    ...processRows(sampler),
    '',
    'CPU is % of one core, sampled every second from /proc/<pid>/stat; the time series are in report.json.',
    '',
    '![latency and sessions over time](chart.svg)',
    '',
  ];
  return lines.join('\n');
}

/** Writes report.md, report.json and chart.svg into `<root>/<timestamp>-<scenario>/`. */
export async function writeReport(root: string, facts: RunFacts, recorder: Recorder, sampler: Sampler): Promise<ReportFiles> {
  const dir = path.join(root, `${new Date().toISOString().replace(/[:.]/g, '-')}-${facts.scenario}`);
  await mkdir(dir, { recursive: true });
  const summaries = summariesOf(recorder);
  const series = Object.fromEntries(LATENCY_KINDS.map((kind) => [kind, recorder.series(kind, 5_000)]));
  const files: ReportFiles = { dir, markdown: path.join(dir, 'report.md'), json: path.join(dir, 'report.json'), chart: path.join(dir, 'chart.svg') };
  const json = {
    ...facts,
    latency: summaries,
    loadLatency: recorder.phases().some((p) => p.name === 'load') ? summariesOf(recorder, 'load') : null,
    phases: recorder.phases(),
    errors: recorder.errors(),
    errorExamples: recorder.examples(),
    series,
    connected: sampler.fleetSamples,
    processes: Object.fromEntries(sampler.processes),
  };
  const chart = renderChart({
    title: `${facts.scenario}: ${facts.options.sessions} sessions, ${facts.workers} workers`,
    latency: (['qr', 'send', 'api_status'] as const).map((kind) => ({ name: kind, points: series[kind]! })),
    sessions: sampler.fleetSamples,
  });
  await writeFile(files.markdown, markdown(facts, recorder, sampler, summaries));
  await writeFile(files.json, `${JSON.stringify(json, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`);
  await writeFile(files.chart, chart);
  return files;
}
