#!/usr/bin/env node
// make loadtest SCENARIO=create|send|mixed|soak SESSIONS=… WORKERS=… DURATION=… (seconds): starts the
// simulator, the ingress and WORKERS workers as processes, runs the scenario with progress on stderr,
// and writes loadtest/reports/<timestamp>-<scenario>/report.{md,json} and chart.svg. Also reads
// SEND_RATE (sends/s in mixed and soak; default SESSIONS / 10), SCAN_CONCURRENCY (64), PAIR_WAVE
// (sessions created at once while pairing before the timed phase; 500, 0 = all) and POLL_RATE (status
// probes/s of the harness's waits; 200) and FLOOR (1: run the bare-Baileys floor first and report
// Fleet's own CPU per unit against it, the simulator and the harness at SCHED_IDLE; 0: neither). Exit code 1 when a message was lost or duplicated, or a
// session ran twice.
import { readFileSync } from 'node:fs';
import { DEFAULT_POLL_RATE, runLoadtest, type LoadtestOptions } from '../harness/run-loadtest';
import { EnvReader } from './env-reader';

function readOptions(env: NodeJS.ProcessEnv): LoadtestOptions {
  const read = new EnvReader(env);
  const sessions = read.int('SESSIONS', 100, 1);
  const options: LoadtestOptions = {
    scenario: read.string('SCENARIO', 'mixed'),
    sessions,
    workers: read.int('WORKERS', 2, 1),
    durationS: read.int('DURATION', 60, 1),
    sendRate: read.int('SEND_RATE', Math.max(2, Math.round(sessions / 10)), 1),
    scanConcurrency: read.int('SCAN_CONCURRENCY', 64, 1),
    pairWave: read.int('PAIR_WAVE', 500, 0),
    pollRate: read.int('POLL_RATE', DEFAULT_POLL_RATE, 1),
    redisUrl: read.string('REDIS_URL', 'redis://127.0.0.1:6379'),
    costBench: read.int('FLOOR', 1, 0) === 1,
  };
  read.check('loadtest');
  return options;
}

async function main(): Promise<void> {
  const result = await runLoadtest(readOptions(process.env));
  process.stdout.write(readFileSync(result.files.markdown, 'utf8'));
  if (result.figures.violations > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`loadtest failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
