#!/usr/bin/env node
// make loadtest-max START=250 STEP=250 LIMIT=3000 DURATION=60: the largest session count one worker
// holds before the latency targets break. One fleet with one worker, grown step by step; at each step a
// timed mixed phase (creations, N × SENDS_PER_SESSION sends/s (0.1), twice as many status reads/s) is
// measured on its own; a target set breaks at its second missed step in a row. Also reads
// SCAN_CONCURRENCY (32), PAIR_WAVE (500), POLL_RATE (200) and EXHAUSTIVE=1 (keep going after both target
// sets broke). Writes loadtest/reports/<timestamp>-max/ (a report per step, summary.md, summary.json)
// and prints the Markdown table for docs/benchmarks.md.
import { runMaxSearch, type MaxSearchOptions } from '../harness/max-search';
import { DEFAULT_POLL_RATE, DEFAULT_REPORT_ROOT } from '../harness/run-loadtest';
import { EnvReader } from './env-reader';

function readOptions(env: NodeJS.ProcessEnv): MaxSearchOptions {
  const read = new EnvReader(env);
  const start = read.int('START', 250, 1);
  const options: MaxSearchOptions = {
    start,
    step: read.int('STEP', start, 1),
    limit: read.int('LIMIT', 3000, 1),
    durationS: read.int('DURATION', 60, 1),
    sendsPerSession: read.positive('SENDS_PER_SESSION', 0.1),
    scanConcurrency: read.int('SCAN_CONCURRENCY', 32, 1),
    pairWave: read.int('PAIR_WAVE', 500, 0),
    pollRate: read.int('POLL_RATE', DEFAULT_POLL_RATE, 1),
    exhaustive: read.string('EXHAUSTIVE', '0') === '1',
    redisUrl: read.string('REDIS_URL', 'redis://127.0.0.1:6379'),
    reportRoot: DEFAULT_REPORT_ROOT,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  read.check('loadtest-max');
  return options;
}

async function main(): Promise<void> {
  const result = await runMaxSearch(readOptions(process.env));
  process.stdout.write(`\n${result.markdown}\nsummary: ${result.file}\n`);
  if (result.rows.some((row) => row.figures.violations > 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`loadtest-max failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
