#!/usr/bin/env node
// make bench-media: the simulator, the ingress, ONE worker and an S3 server (the media store) as
// separate processes, BENCH_MEDIA_SESSIONS sessions paired over BENCH_MEDIA_WORKSPACES workspaces, each
// having sent its contact one text first (Signal sessions exist before anything is timed). Then:
//   (a) BENCH_MEDIA_SENDS (BENCH_MEDIA_RATE × BENCH_MEDIA_SECONDS) image sends of BENCH_MEDIA_IMAGE_KB,
//       open loop at BENCH_MEDIA_RATE/s round-robin over the sessions: API accept → delivered p50/p95,
//       Fleet's CPU per send (after BENCH_MEDIA_WARMUP unmeasured sends);
//   (b) BENCH_MEDIA_DOCS documents of BENCH_MEDIA_DOC_MB sent at once, one per session: the worker's
//       RSS every 50 ms (and the kernel's VmHWM) from before the burst until all are delivered;
//   (c) BENCH_MEDIA_INBOUND images of BENCH_MEDIA_INBOUND_KB injected at the simulator over
//       BENCH_MEDIA_INBOUND_SESSIONS sessions: images stored per second until every one is available.
// Media for (a) and (b) is uploaded once per workspace (POST /api/media) and sent by media id. The
// simulator and this process run under SCHED_IDLE (BENCH_MEDIA_IDLE=0 keeps them at normal priority),
// so Fleet's CPU is not spent on them. BENCH_MEDIA_PARTS=sends,docs,inbound picks parts. A script, not a test.
import { runMediaBench, type MediaBenchOptions } from './media-bench';
import { formatMediaBench } from './media-report';

const PARTS = ['sends', 'docs', 'inbound'] as const;
type Part = (typeof PARTS)[number];

function readOptions(env: NodeJS.ProcessEnv): MediaBenchOptions {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return value;
  };
  const rate = int('BENCH_MEDIA_RATE', 20, 1);
  const seconds = int('BENCH_MEDIA_SECONDS', 30, 1);
  const docs = int('BENCH_MEDIA_DOCS', 50, 1);
  const inboundSessions = int('BENCH_MEDIA_INBOUND_SESSIONS', 10, 1);
  const parts = (env.BENCH_MEDIA_PARTS ?? PARTS.join(','))
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const part of parts) if (!(PARTS as readonly string[]).includes(part)) problems.push(`BENCH_MEDIA_PARTS: unknown part "${part}" (${PARTS.join(', ')})`);
  const options: MediaBenchOptions = {
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    sessions: int('BENCH_MEDIA_SESSIONS', Math.max(docs, inboundSessions, 10), 1),
    workspaces: int('BENCH_MEDIA_WORKSPACES', 5, 1),
    imageBytes: int('BENCH_MEDIA_IMAGE_KB', 1024, 1) * 1024,
    sendRate: rate,
    sends: int('BENCH_MEDIA_SENDS', rate * seconds, 1),
    warmupSends: int('BENCH_MEDIA_WARMUP', 20, 0),
    docs,
    docBytes: int('BENCH_MEDIA_DOC_MB', 16, 1) * 2 ** 20,
    inbound: int('BENCH_MEDIA_INBOUND', 200, 1),
    inboundBytes: int('BENCH_MEDIA_INBOUND_KB', 1024, 1) * 1024,
    inboundSessions,
    injectConcurrency: int('BENCH_MEDIA_INJECT_CONCURRENCY', 8, 1),
    parts: new Set(parts as Part[]),
    idle: env.BENCH_MEDIA_IDLE !== '0',
    settleMs: int('BENCH_MEDIA_SETTLE_S', 120, 1) * 1000,
    rssIntervalMs: 50,
    log: (line) => process.stderr.write(`${line}\n`),
  };
  if (problems.length > 0) throw new Error(problems.join('; '));
  return options;
}

async function main(): Promise<void> {
  const result = await runMediaBench(readOptions(process.env));
  process.stdout.write(`\n${formatMediaBench(result)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-media failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
