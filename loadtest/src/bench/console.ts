#!/usr/bin/env node
// make bench-console: how long each console page takes to load with 3,000 session records in the
// fleet, in Debian's Chromium (playwright-core). Not a test: it prints figures for docs/benchmarks.md.
//
// The fleet is the ingress (serving /console), the simulator and a local S3 server, with two worker
// registrations that do not run sessions (so the 3,000 records stay records and the figure is the
// console's and the API's, not 3,000 Baileys sockets'). Each page is loaded BENCH_CONSOLE_RUNS times
// (default 7) from a fresh navigation; the time is navigation start → the page's data on screen.
import { Redis } from 'ioredis';
import { createS3Client, readS3Settings, SnapshotStore, takeSnapshot, verifySnapshot } from '@fleet/backups';
import { Membership, PlacementStore } from '@fleet/cluster';
import { EnvReader } from '@fleet/config';
import { createKeys } from '@fleet/keys';
import { shardOf } from '@fleet/ring';
import { SessionStore } from '@fleet/state';
import { cleanPrefix } from '@fleet/testing';
import { launchChromium, PageErrors } from '../harness/browser';
import { startLocalFleet } from '../harness/local-fleet';
import { mapLimit, percentile } from './bench-util';

const SESSIONS = Number(process.env.BENCH_CONSOLE_SESSIONS ?? 3000);
const WORKSPACES = 30;
const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 7);
const WORKERS = ['bench-1', 'bench-2'];

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench-console-${Date.now()}`;
  const redis = new Redis(redisUrl);
  const keys = createKeys(prefix);
  const fleet = await startLocalFleet({ redisUrl, prefix, workers: 0 });
  let heartbeat: NodeJS.Timeout | undefined;
  const browser = await launchChromium();
  try {
    // Two registered workers that own the shards (their heartbeat kept here), so records have owners.
    const membership = new Membership({ redis, keys });
    const infos = await Promise.all(WORKERS.map((instanceId) => membership.register({ instanceId, url: 'http://127.0.0.1:9/', maxSessions: 5000 })));
    heartbeat = setInterval(() => void Promise.all(infos.map((info) => membership.heartbeat(info))).catch(() => undefined), 2000);
    const shardCount = Number(await redis.get(keys.shardCount)) || 128;
    await new PlacementStore(redis, keys).reconcile(WORKERS, shardCount);

    const started = Date.now();
    const sessions = new SessionStore(redis, keys);
    await mapLimit(
      Array.from({ length: SESSIONS }, (_, i) => i),
      50,
      async (i) => {
        const workspaceId = (i % WORKSPACES) + 1;
        await sessions.create({ sessionId: `bench-${String(i).padStart(5, '0')}`, workspaceId, accountId: String(i), shard: shardOf(workspaceId, shardCount) });
      },
    );
    process.stdout.write(`seeded ${SESSIONS} session records in ${WORKSPACES} workspaces (${Date.now() - started} ms)\n`);
    const sent = await fleet.api('POST', '/api/messages/send', { session_id: 'bench-00000', to: '+15559990001', text: 'bench' });
    if (sent.status !== 202) throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body)}`);

    // A verified snapshot in the backups' bucket (the ingress lists S3_BUCKET, default fleet-backups).
    const reader = new EnvReader({ S3_ENDPOINT: fleet.s3Endpoint, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' });
    const s3 = reader.finish(readS3Settings(reader));
    const store = new SnapshotStore(createS3Client(s3), s3);
    await store.ensureBucket();
    const manifest = await takeSnapshot({ storagePath: fleet.storagePath, store, partSizeBytes: 5 * 1024 * 1024, uploadQueueSize: 2, gzipLevel: 6 });
    await verifySnapshot(store, manifest.id);
    store.client.destroy();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = new PageErrors();
    errors.watch(page, 'bench');
    await page.goto(`${fleet.ingressUrl}/console/`);
    await page.locator('[data-testid="api-key"]').fill(fleet.apiKey);
    await page.locator('[data-testid="sign-in"]').click();
    await page.locator('[data-testid="key-kind"]').waitFor();

    const pages: Array<[string, string, string]> = [
      ['Fleet', '/console/fleet', '[data-testid="instances"] tbody tr'],
      [`Sessions (first page of ${SESSIONS.toLocaleString('en')})`, '/console/sessions', '[data-testid^="session-row-"]'],
      ['Sessions, one workspace, searched', '/console/sessions?workspace=7&search=bench-0', '[data-testid^="session-row-"]'],
      ['Session detail', '/console/sessions/bench-01234', '[data-testid="session-status"]'],
      ['Message timeline', `/console/messages/${sent.body.message_id as string}`, '[data-testid="timeline"]'],
      ['Events (workspace 1)', '/console/events?workspace=1', '[data-testid="events-range"]'],
      ['Backups', '/console/backups', '[data-testid="snapshots"] tbody tr'],
    ];
    const rows: string[] = [];
    for (const [name, route, ready] of pages) {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run += 1) {
        const t0 = Date.now();
        await page.goto(`${fleet.ingressUrl}${route}`);
        await page.locator(ready).first().waitFor({ timeout: 30_000 });
        times.push(Date.now() - t0);
      }
      rows.push(`| ${name} | ${percentile(times, 0.5)} ms | ${Math.max(...times)} ms |`);
      process.stdout.write(`${name}: median ${percentile(times, 0.5)} ms, max ${Math.max(...times)} ms\n`);
    }
    process.stdout.write(`\n| Page (${SESSIONS} sessions, ${RUNS} loads each) | Median | Slowest |\n|---|---|---|\n${rows.join('\n')}\n`);
    if (errors.errors.length > 0) process.stdout.write(`\nconsole errors:\n${errors.errors.join('\n')}\n`);
    await context.close();
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    await browser.close();
    await fleet.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
