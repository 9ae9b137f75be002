import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** The checklist's bound for shared session storage (NFS/EFS): every operation under 10 ms. */
export const STORAGE_LATENCY_LIMIT_MS = 10;

export interface StorageLatency {
  readonly operation: 'write' | 'fsync' | 'rename' | 'read';
  /** Median and worst of the rounds, in milliseconds. */
  readonly medianMs: number;
  readonly maxMs: number;
  readonly overLimit: boolean;
}

export interface StorageCheckResult {
  readonly path: string;
  readonly rounds: number;
  readonly ok: boolean;
  readonly latencies: readonly StorageLatency[];
}

/**
 * Measures what the auth state does on SESSION_STORAGE_PATH (write a temp file, fsync it, rename it
 * into place, read it back) in a scratch directory `.storage-check-<random>` that is removed after.
 * `overLimit` compares the median with the limit (one slow outlier does not flag a healthy mount).
 */
export async function measureStorageLatency(root: string, options: { rounds?: number; bytes?: number; limitMs?: number } = {}): Promise<StorageCheckResult> {
  const rounds = options.rounds ?? 20;
  const limit = options.limitMs ?? STORAGE_LATENCY_LIMIT_MS;
  const payload = randomBytes(options.bytes ?? 4096);
  const dir = path.join(root, `.storage-check-${randomBytes(6).toString('hex')}`);
  const samples: Record<StorageLatency['operation'], number[]> = { write: [], fsync: [], rename: [], read: [] };
  await mkdir(dir, { recursive: true });
  try {
    for (let round = 0; round < rounds; round += 1) {
      const temp = path.join(dir, `creds.json.${round}.tmp`);
      const final = path.join(dir, 'creds.json');
      let started = performance.now();
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(payload);
        samples.write.push(performance.now() - started);
        started = performance.now();
        await handle.sync();
        samples.fsync.push(performance.now() - started);
      } finally {
        await handle.close();
      }
      started = performance.now();
      await rename(temp, final);
      samples.rename.push(performance.now() - started);
      started = performance.now();
      await readFile(final);
      samples.read.push(performance.now() - started);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const latencies = (Object.keys(samples) as Array<StorageLatency['operation']>).map((operation) => summarize(operation, samples[operation], limit));
  return { path: root, rounds, ok: latencies.every((latency) => !latency.overLimit), latencies };
}

function summarize(operation: StorageLatency['operation'], values: number[], limit: number): StorageLatency {
  const sorted = [...values].sort((a, b) => a - b);
  const medianMs = round2(sorted[Math.floor(sorted.length / 2)] ?? 0);
  return { operation, medianMs, maxMs: round2(sorted[sorted.length - 1] ?? 0), overLimit: medianMs > limit };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
