import { runLoadtest } from './run-loadtest';
import { machineLine, scalingTable, seriesDir, targetsLine, writeSummary, type SeriesRow } from './series-table';

export interface ScalingOptions {
  readonly scenario: string;
  /** Sessions per worker, the same in every run. */
  readonly perWorker: number;
  /** Worker counts, one fresh fleet each (e.g. 1, 2, 4). */
  readonly workerCounts: readonly number[];
  readonly durationS: number;
  /** Sends per second per worker in mixed and soak. */
  readonly sendRatePerWorker: number;
  /** Scans in flight per worker. */
  readonly scansPerWorker: number;
  /** Sessions created at once while pairing (0 = all, so that each worker sees the same burst). */
  readonly pairWave: number;
  /** Status probes per second per worker for the harness's waits. */
  readonly pollRatePerWorker: number;
  readonly redisUrl: string;
  readonly reportRoot: string;
  readonly log: (line: string) => void;
}

export interface ScalingResult {
  readonly rows: SeriesRow[];
  readonly markdown: string;
  readonly file: string;
}

/**
 * Linear scaling: the same scenario with the load per worker held constant (sessions, send rate, scans
 * and probe budget all × workers) while the worker count grows, one fresh local fleet per run. Each run
 * writes its own report under `<reportRoot>/<timestamp>-scaling/`, next to summary.md and summary.json.
 */
export async function runScaling(options: ScalingOptions): Promise<ScalingResult> {
  const dir = seriesDir(options.reportRoot, 'scaling');
  const rows: SeriesRow[] = [];
  for (const workers of options.workerCounts) {
    options.log(`scaling: ${workers} worker(s), ${options.perWorker * workers} sessions`);
    const result = await runLoadtest({
      scenario: options.scenario,
      sessions: options.perWorker * workers,
      workers,
      durationS: options.durationS,
      sendRate: options.sendRatePerWorker * workers,
      scanConcurrency: options.scansPerWorker * workers,
      pairWave: options.pairWave,
      pollRate: options.pollRatePerWorker * workers,
      redisUrl: options.redisUrl,
      reportRoot: dir,
      log: options.log,
    });
    rows.push({ figures: result.figures, reportDir: result.files.dir });
  }
  const markdown = [
    `### Linear scaling: ${options.scenario}, ${options.perWorker} sessions per worker, workers ${options.workerCounts.join(' → ')}`,
    '',
    `Per worker in every run: ${options.perWorker} sessions, ${options.sendRatePerWorker} sends/s, ${options.scansPerWorker} scans in flight; ` +
      `timed phase ${options.durationS} s; pairing waves of ${options.pairWave || 'all'}. ${machineLine()}`,
    'Pairings/s: sessions connected per second of the pairing phase, until 95 % of them were; sends/s: messages sent per second from the first send ' +
      'request to the last sent_at. Latencies from the timed phase (QR: creations during it, when the scenario has them).',
    '',
    scalingTable(rows),
    '',
    targetsLine(),
    '',
    `Reports: ${rows.map((row) => row.reportDir).join(', ')}`,
    '',
  ].join('\n');
  const written = await writeSummary(dir, markdown, { kind: 'scaling', options: { ...options, log: undefined }, rows });
  return { rows, ...written };
}
