#!/usr/bin/env node
// make loadtest SCENARIO=create|send|mixed|soak SESSIONS=… WORKERS=… DURATION=… (seconds): starts the
// simulator, the ingress and WORKERS workers as processes, runs the scenario with progress on stderr,
// and writes loadtest/reports/<timestamp>-<scenario>/report.{md,json} and chart.svg. Also reads
// SEND_RATE (sends/s in mixed and soak) and SCAN_CONCURRENCY. Exit code 1 when a message was lost or
// duplicated, or a session ran twice.
import { readFileSync } from 'node:fs';
import { runLoadtest } from '../harness/run-loadtest';

function readOptions(env: NodeJS.ProcessEnv): Parameters<typeof runLoadtest>[0] {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return value;
  };
  const sessions = int('SESSIONS', 100, 1);
  const options = {
    scenario: env.SCENARIO || 'mixed',
    sessions,
    workers: int('WORKERS', 2, 1),
    durationS: int('DURATION', 60, 1),
    sendRate: int('SEND_RATE', Math.max(2, Math.round(sessions / 10)), 1),
    scanConcurrency: int('SCAN_CONCURRENCY', 64, 1),
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
  if (problems.length > 0) throw new Error(`bad loadtest settings:\n  ${problems.join('\n  ')}`);
  return options;
}

async function main(): Promise<void> {
  const result = await runLoadtest(readOptions(process.env));
  process.stdout.write(readFileSync(result.files.markdown, 'utf8'));
  const { lost, duplicated, doubleSockets, rescanned } = result.invariants;
  if (lost.length + duplicated.length + doubleSockets.length + rescanned.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`loadtest failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
