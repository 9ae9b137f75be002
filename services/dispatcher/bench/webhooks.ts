#!/usr/bin/env node
// make bench-webhooks: a dispatcher process delivers events appended at a fixed rate to a healthy
// local Node receiver. Prints deliveries/s and event → delivery latency (append time to the
// receiver's arrival) p50/p95/p99, and writes them to docs/benchmarks.md ("Webhooks" section).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventLog, WebhookStore } from '@fleet/events';
import { createKeys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, startProcess, waitFor } from '@fleet/testing';
import { Redis } from 'ioredis';
import { TestReceiver } from '../test/fixtures/receiver';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 20);
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 50);
const SECRET = 'bench-secret-0123456789';
const ROOT = path.resolve(__dirname, '../../../..');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function appendAtRate(log: EventLog, total: number): Promise<void> {
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
  const started = Date.now();
  let sent = 0;
  let tick = 0;
  while (sent < total) {
    const batch: Array<Promise<unknown>> = [];
    for (let i = 0; i < perTick && sent < total; i += 1, sent += 1) {
      batch.push(log.append(1 + (sent % WORKSPACES), 'message.delivered', { message_id: `m${sent}`, session_id: 'bench', status: 'delivered' }));
    }
    await Promise.all(batch);
    tick += 1;
    const wait = started + tick * tickMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** User + system CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function writeSection(markdown: string): void {
  const file = path.join(ROOT, 'docs/benchmarks.md');
  const heading = '## Webhooks (make bench-webhooks)';
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nFigures printed by the `make bench-*` targets.\n';
  const start = text.indexOf(heading);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + heading.length);
    text = text.slice(0, start) + markdown + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    text = `${text.trimEnd()}\n\n${markdown}`;
  }
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}

async function main(): Promise<void> {
  const prefix = freshPrefix('bwh');
  const keys = createKeys(prefix);
  const redis = new Redis(REDIS_URL);
  const receiver = new TestReceiver(SECRET);
  await receiver.start();
  const webhooks = new WebhookStore(redis, keys);
  for (let ws = 1; ws <= WORKSPACES; ws += 1) await webhooks.set(ws, { url: receiver.url, secret: SECRET, events: [] });
  const dispatcher = startProcess(path.resolve(__dirname, '../src/bin.js'), {
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    DISPATCHER_PORT: '0',
    DISPATCHER_HOST: '127.0.0.1',
    WEBHOOK_ALLOW: '127.0.0.1',
    ...(process.env.DISPATCHER_CONCURRENCY ? { DISPATCHER_CONCURRENCY: process.env.DISPATCHER_CONCURRENCY } : {}),
  });
  try {
    await dispatcher.waitForLine(/dispatcher ready on/);
    const total = RATE * DURATION_S;
    const log = new EventLog(redis, keys);
    const started = Date.now();
    await appendAtRate(log, total);
    const appendedIn = (Date.now() - started) / 1000;
    await waitFor(() => receiver.accepted().length >= total, { what: 'every delivery', timeoutMs: 120_000, intervalMs: 100 });
    const elapsed = (Math.max(...receiver.deliveries.map((d) => d.receivedAt)) - started) / 1000;
    const latencies = receiver.deliveries.map((d) => d.receivedAt - d.event.occurred_at).sort((a, b) => a - b);
    const figures = {
      events: total,
      appendRate: Math.round(total / appendedIn),
      deliveriesPerSecond: Math.round(receiver.deliveries.length / elapsed),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
      duplicates: receiver.deliveries.length - receiver.accepted().length,
    };
    const dispatcherCpuS = cpuSeconds(dispatcher.child.pid);
    const cpu = os.cpus();
    const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    const table = [
      '| events | workspaces | target rate/s | appended/s | deliveries/s | p50 ms | p95 ms | p99 ms | max ms | duplicates |',
      '|---|---|---|---|---|---|---|---|---|---|',
      `| ${figures.events} | ${WORKSPACES} | ${RATE} | ${figures.appendRate} | ${figures.deliveriesPerSecond} | ${figures.p50} | ${figures.p95} | ${figures.p99} | ${figures.max} | ${figures.duplicates} |`,
    ].join('\n');
    const cpuLine = `dispatcher CPU: ${dispatcherCpuS.toFixed(1)} s for ${total} events (${((dispatcherCpuS * 1e6) / total).toFixed(0)} µs per event)`;
    process.stdout.write(`machine: ${machine}\n${table}\n${cpuLine}\n`);
    writeSection(`## Webhooks (make bench-webhooks)

One dispatcher process (defaults: concurrency 32) delivers events appended through \`EventLog\` at a fixed
rate, spread over ${WORKSPACES} workspaces, to a healthy local Node receiver that verifies every signature.
Latency is from the event's append (\`occurred_at\`) to its arrival at the receiver; the appender, the
receiver, the dispatcher and Redis share the machine. Target: p95 ≤ 100 ms at 1,000 events/s.
\`BENCH_RATE\`, \`BENCH_DURATION\` (s) and \`BENCH_WORKSPACES\` change the run.

Machine: ${machine}. Date: 2026-11-28.

${table}

${cpuLine}; load average when it ended: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}.
`);
  } finally {
    await dispatcher.stop();
    await receiver.stop();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-webhooks failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
