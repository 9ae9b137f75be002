import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mib, ms } from '../bench/bench-util';
import { TARGETS, meetsTargets, type RunFigures } from './figures';

/** One run of a series, with where its full report is. */
export interface SeriesRow {
  readonly figures: RunFigures;
  readonly reportDir: string;
}

const ok = (pass: boolean): string => (pass ? 'met' : 'MISSED');
const rate = (value: number): string => (value > 0 ? value.toFixed(1) : 'n/a');

/** The machine and its load, for the heading of a series. */
export function machineLine(): string {
  return (
    `Machine ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
    `load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${new Date().toISOString()}.`
  );
}

function headlineCells(f: RunFigures): string {
  return `${ms(f.headline.qrP95)} | ${ms(f.headline.sendP95)} | ${ms(f.headline.apiP50)}`;
}

function correctness(f: RunFigures): string {
  return `${f.violations}${f.unverified > 0 ? ` (${f.unverified} unverified)` : ''}`;
}

/** The linear-scaling table: one row per worker count, per-worker throughput and its share of the first row's. */
export function scalingTable(rows: readonly SeriesRow[]): string {
  const first = rows[0]?.figures;
  const share = (value: number, base: number | undefined): string => (base && base > 0 ? `${Math.round((100 * value) / base)} %` : 'n/a');
  return [
    '| workers | sessions (per worker) | paired | pairings/s (per worker, vs 1st row) | sends/s (per worker, vs 1st row) | QR p95 ms | send p95 ms | API p50 ms | worker CPU mean | worker RSS max MiB | errors | lost+dup+2 sockets+re-scans |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(({ figures: f }) => {
      const pairing = f.pairingPerS / f.workers;
      const sends = f.sendPerS / f.workers;
      return (
        `| ${f.workers} | ${f.sessions} (${Math.round(f.sessions / f.workers)}) | ${f.paired} | ${rate(f.pairingPerS)} (${rate(pairing)}, ${share(pairing, first && first.pairingPerS / first.workers)}) | ` +
        `${rate(f.sendPerS)} (${rate(sends)}, ${share(sends, first && first.sendPerS / first.workers)}) | ${headlineCells(f)} | ` +
        `${f.workerCpuMean.toFixed(0)} % | ${mib(f.workerRssMaxBytes)} | ${f.errors} | ${correctness(f)} |`
      );
    }),
  ].join('\n');
}

/** The max-sessions table: one row per step, with the verdict against both target sets. */
export function maxTable(rows: readonly SeriesRow[]): string {
  return [
    '| sessions on 1 worker | paired | QR p95 ms | send p95 ms | API p50 ms | sends/s | worker CPU mean | worker RSS max MiB | errors | lost+dup+2 sockets+re-scans | checklist targets | ours |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      ({ figures: f }) =>
        `| ${f.sessions} | ${f.paired} | ${headlineCells(f)} | ${rate(f.sendPerS)} | ${f.workerCpuMean.toFixed(0)} % | ${mib(f.workerRssMaxBytes)} | ` +
        `${f.errors} | ${correctness(f)} | ${ok(meetsTargets(f.headline, 'checklist'))} | ${ok(meetsTargets(f.headline, 'ours'))} |`,
    ),
  ].join('\n');
}

/** The targets line under a table. */
export function targetsLine(): string {
  return `Targets (checklist / ours): ${TARGETS.map((t) => `${t.figure} < ${t.checklist} / ≤ ${t.ours} ms`).join('; ')}.`;
}

/** Writes summary.md and summary.json into `dir`; returns the Markdown. */
export async function writeSummary(dir: string, markdown: string, json: unknown): Promise<{ markdown: string; file: string }> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'summary.md');
  await writeFile(file, markdown);
  await writeFile(
    path.join(dir, 'summary.json'),
    `${JSON.stringify(json, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`,
  );
  return { markdown, file };
}

/** `<root>/<timestamp>-<name>`. */
export const seriesDir = (root: string, name: string): string => path.join(root, `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}`);
