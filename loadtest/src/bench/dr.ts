#!/usr/bin/env node
// `make bench-dr`: backup and disaster recovery figures (docs/benchmarks.md).
//  A. 3,000 sessions' auth state (real FileAuthState + Baileys key generation, not paired):
//     snapshot time and size to a local S3-compatible server, then delete + verified restore (files only).
//  B. The full drill with real paired sessions on a local fleet (2 workers, the simulator):
//     delete every workspace dir → restore latest → every session connected again.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createRedis } from '@fleet/redis';
import { createS3Client, restoreSnapshot, SnapshotStore, takeSnapshot, type S3Settings } from '@fleet/backups';
import { createKeys } from '@fleet/keys';
import { freshPrefix, cleanPrefix } from '@fleet/testing';
import { startLocalFleet } from '../harness/local-fleet';
import { deleteWorkspaceDirs, runDrill } from '../dr/drill';
import { writeRealisticSession } from '../dr/state-generator';
import { mapLimit } from './bench-util';

const STATE_SESSIONS = Number(process.env.BENCH_DR_STATE_SESSIONS ?? 3000);
const LIVE_SESSIONS = Number(process.env.BENCH_DR_LIVE_SESSIONS ?? 3000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TUNING = { partSizeBytes: 8 * 1024 * 1024, uploadQueueSize: 4, gzipLevel: 6 };
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function startS3(dir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    [require.resolve('s3rver/bin/s3rver.js'), '-d', dir, '-a', '127.0.0.1', '-p', '0', '--configure-bucket', 'bench', '--silent'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on [^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited ${String(code)}: ${out}`)));
  });
  return { child, endpoint: `http://127.0.0.1:${port}` };
}

async function digest(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else hash.update(path.relative(root, full)).update(await fs.readFile(full));
    }
  };
  await walk(root);
  return hash.digest('hex');
}

async function partA(settings: S3Settings, work: string): Promise<void> {
  const root = path.join(work, 'state');
  const t0 = Date.now();
  await mapLimit(
    Array.from({ length: STATE_SESSIONS }, (_, i) => i),
    8,
    (i) => writeRealisticSession(root, 1 + (i % 100), `s-${String(i).padStart(5, '0')}`),
  );
  process.stdout.write(`A. generated ${STATE_SESSIONS} sessions' auth state in ${secs(Date.now() - t0)}\n`);
  const before = await digest(root);
  const store = new SnapshotStore(createS3Client(settings), settings);
  const manifest = await takeSnapshot({ storagePath: root, store, ...TUNING });
  process.stdout.write(
    `   snapshot ${manifest.id}: ${manifest.totals.sessions} sessions, ${manifest.totals.files} files, ${mib(manifest.totals.bytes)} → ` +
      `${mib(manifest.archive.bytes)} tar.gz, ${secs(manifest.durationMs)} (${(manifest.totals.files / (manifest.durationMs / 1000)).toFixed(0)} files/s)\n`,
  );
  const t1 = Date.now();
  await deleteWorkspaceDirs(root);
  const deleted = Date.now() - t1;
  const report = await restoreSnapshot({ store, snapshotId: manifest.id, storagePath: root });
  const restoreMs = Date.now() - t1;
  const identical = (await digest(root)) === before;
  process.stdout.write(
    `   delete ${secs(deleted)}; restore (download + verify every sha256 ${secs(report.timings.verifyMs)}, swap ${secs(report.timings.swapMs)}): ` +
      `${secs(restoreMs)} from deletion; byte-identical: ${identical ? 'yes' : 'NO'}\n`,
  );
  store.client.destroy();
  await fs.rm(root, { recursive: true, force: true });
}

async function partB(settings: S3Settings): Promise<void> {
  const prefix = freshPrefix('bench-dr');
  const fleet = await startLocalFleet({ redisUrl: REDIS_URL, prefix, workers: 2, logLevel: 'error' });
  const redis = createRedis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const store = new SnapshotStore(createS3Client(settings), settings);
  try {
    const t0 = Date.now();
    await mapLimit(
      Array.from({ length: LIVE_SESSIONS }, (_, i) => i),
      8,
      (i) => fleet.pair(`live-${i}`, 1 + (i % 20), `1559${String(process.pid % 1000).padStart(3, '0')}${String(i).padStart(4, '0')}`),
    );
    process.stdout.write(`B. paired ${LIVE_SESSIONS} real sessions (2 workers, Baileys ↔ simulator) in ${secs(Date.now() - t0)}\n`);
    const manifest = await takeSnapshot({ storagePath: fleet.storagePath, store, ...TUNING });
    process.stdout.write(`   snapshot: ${manifest.totals.files} files, ${mib(manifest.archive.bytes)}, ${secs(manifest.durationMs)}\n`);
    const result = await runDrill({ store, storagePath: fleet.storagePath, redis, keys: createKeys(prefix), snapshotId: manifest.id });
    const t = result.report.timings;
    process.stdout.write(
      `   drill: delete ${result.deleteMs} ms, download+verify ${t.verifyMs} ms, stop ${secs(t.stopMs)}, swap ${t.swapMs} ms, ` +
        `restart until every session settled ${secs(t.startMs)}\n`,
    );
    process.stdout.write(
      `   full drill, deletion → every session connected again: ${secs(result.totalMs)}; outcomes: ` +
        `${Object.entries(result.outcomes)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}\n`,
    );
  } finally {
    store.client.destroy();
    await fleet.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  // Not under /tmp: on this machine file creation in /tmp costs ~30x more than elsewhere on the same disk.
  const base = process.env.BENCH_DR_DIR ?? path.resolve(__dirname, '../../../../.data');
  await fs.mkdir(base, { recursive: true });
  const work = await fs.mkdtemp(path.join(base, 'bench-dr-'));
  const s3 = await startS3(path.join(work, 's3'));
  const settings = (name: string): S3Settings => ({
    bucket: 'bench',
    prefix: `${name}-${randomBytes(3).toString('hex')}/`,
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    if (STATE_SESSIONS > 0) await partA(settings('state'), work);
    if (LIVE_SESSIONS > 0) await partB(settings('live'));
  } finally {
    s3.child.kill('SIGTERM');
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench-dr failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
