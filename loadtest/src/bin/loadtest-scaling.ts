#!/usr/bin/env node
// make loadtest-scaling PER_WORKER=250 WORKER_COUNTS=1,2,4 DURATION=60 SCENARIO=mixed: the same scenario
// with the load per worker held constant while the worker count grows (one fresh local fleet per run).
// Also reads SEND_RATE_PER_WORKER (default PER_WORKER / 10), SCANS_PER_WORKER (32), PAIR_WAVE (0 = all
// at once) and POLL_RATE_PER_WORKER (100). Writes loadtest/reports/<timestamp>-scaling/ (a report per
// run, summary.md, summary.json) and prints the Markdown table for docs/benchmarks.md. Exit code 1 when
// a run lost or duplicated a message, or a session ran twice.
import { DEFAULT_REPORT_ROOT } from '../harness/run-loadtest';
import { runScaling, type ScalingOptions } from '../harness/scaling';
import { EnvReader } from './env-reader';

function readOptions(env: NodeJS.ProcessEnv): ScalingOptions {
  const read = new EnvReader(env);
  const perWorker = read.int('PER_WORKER', 250, 1);
  const options: ScalingOptions = {
    scenario: read.string('SCENARIO', 'mixed'),
    perWorker,
    workerCounts: read.intList('WORKER_COUNTS', [1, 2, 4]),
    durationS: read.int('DURATION', 60, 1),
    sendRatePerWorker: read.int('SEND_RATE_PER_WORKER', Math.max(1, Math.round(perWorker / 10)), 1),
    scansPerWorker: read.int('SCANS_PER_WORKER', 32, 1),
    pairWave: read.int('PAIR_WAVE', 0, 0),
    pollRatePerWorker: read.int('POLL_RATE_PER_WORKER', 100, 1),
    redisUrl: read.string('REDIS_URL', 'redis://127.0.0.1:6379'),
    reportRoot: DEFAULT_REPORT_ROOT,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  read.check('loadtest-scaling');
  return options;
}

async function main(): Promise<void> {
  const result = await runScaling(readOptions(process.env));
  process.stdout.write(`\n${result.markdown}\nsummary: ${result.file}\n`);
  if (result.rows.some((row) => row.figures.violations > 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`loadtest-scaling failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
