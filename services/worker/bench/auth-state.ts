/**
 * Write/read throughput of the file auth state, printed, not asserted; then the I/O threads' CPU per
 * write batch with many sessions writing at once (what a busy worker pays on top of its event loop).
 * Usage (after compiling): node bench/auth-state.js [dir] — defaults to a fresh temp dir.
 */
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileAuthState, KeyCache } from '../src/auth-state';
import { DiskThreads } from '../src/auth-state/disk-threads';
import { keyFileName } from '../src/auth-state/file-names';

/**
 * Runs `count` ops one after another and prints wall time per op, plus the event loop's busy time per
 * op: what each op costs the worker's one JavaScript thread, which every session on it shares.
 */
async function measure(label: string, count: number, run: (i: number) => Promise<unknown>): Promise<void> {
  const loopBefore = performance.eventLoopUtilization();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await run(i);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const loop = performance.eventLoopUtilization(loopBefore);
  console.log(
    `${label.padEnd(44)} ${count} ops  ${(ms / count).toFixed(3)} ms/op  ${Math.round((count * 1000) / ms)} ops/s  ` +
      `event loop ${(loop.active / count).toFixed(3)} ms/op`,
  );
}

/** CPU (user + system, ms) of each thread of this process but the main one, by thread id. */
function otherThreadsCpuMs(): number {
  const tick = 10; // USER_HZ = 100 on Linux
  let total = 0;
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    if (tid === String(process.pid)) continue;
    const fields = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * tick;
  }
  return total;
}

/**
 * 200 session directories on 4 I/O threads, 10 credential-sized batches each, all sessions at once:
 * the threads' CPU per batch (fence check, journal append, fdatasync when `fsync`).
 */
async function threadCpuPerBatch(root: string, fsync: boolean): Promise<void> {
  const threads = new DiskThreads(4);
  const dirs = Array.from({ length: 200 }, (_, i) => path.join(root, `s${i}`));
  for (const dir of dirs) {
    await threads.claim(dir, 1, 'bench');
    await threads.open(dir, 1);
  }
  const text = 'x'.repeat(1_700);
  const before = otherThreadsCpuMs();
  const batches = 10;
  await Promise.all(
    dirs.map(async (dir) => {
      for (let i = 0; i < batches; i += 1) {
        await threads.write({ dir, epoch: 1, fsync, changes: [{ name: 'creds.json', text }], journal: { maxBytes: 64 * 1024, keepBytes: 32 * 1024 } });
      }
    }),
  );
  const spent = otherThreadsCpuMs() - before;
  console.log(
    `I/O threads, 200 sessions x ${batches} batches at once (fsync=${fsync}): ${((spent * 1000) / (dirs.length * batches)).toFixed(0)} µs CPU per batch`,
  );
  await threads.close();
}

/**
 * Compaction's cost in the steady state: 100 session directories on 4 I/O threads, all at once, each
 * writing 200 batches of one Signal session record (3 KiB, as a message does) to `contacts` contacts
 * in turn, fsync on. The threads' CPU per batch and the key files written, for the journal's bounds.
 */
async function compactionCost(root: string, contacts: number, bounds: { maxBytes: number; keepBytes: number }): Promise<void> {
  const threads = new DiskThreads(4);
  const dirs = Array.from({ length: 100 }, (_, i) => path.join(root, `s${i}`));
  for (const dir of dirs) {
    await threads.claim(dir, 1, 'bench');
    await threads.open(dir, 1);
  }
  const text = 'r'.repeat(3 * 1024);
  const batches = 200;
  const before = otherThreadsCpuMs();
  const started = performance.now();
  await Promise.all(
    dirs.map(async (dir) => {
      for (let i = 0; i < batches; i += 1) {
        await threads.write({ dir, epoch: 1, fsync: true, changes: [{ name: keyFileName('session', `c${i % contacts}`), text }], journal: bounds });
      }
    }),
  );
  const spent = otherThreadsCpuMs() - before;
  const wall = performance.now() - started;
  const files = dirs.reduce((sum, dir) => sum + readdirSync(dir).filter((name) => name.startsWith('session')).length, 0);
  console.log(
    `compaction, ${contacts} contacts, journal ${bounds.maxBytes / 1024} KiB keeping ${bounds.keepBytes / 1024} KiB: ` +
      `${((spent * 1000) / (dirs.length * batches)).toFixed(0)} µs I/O-thread CPU per batch, ${((wall * 1000) / (dirs.length * batches)).toFixed(0)} µs wall, ${files} key files at the end`,
  );
  await threads.close();
}

async function main(): Promise<void> {
  const root = process.argv[2] ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'fleet-bench-')));
  const record = Buffer.alloc(1500, 7);
  for (const fsync of [false, true]) {
    const dir = path.join(root, `fsync-${fsync}`);
    const store = await FileAuthState.open({ dir, sessionId: 'bench', epoch: 1, fsync, cache: new KeyCache() });
    const n = fsync ? 200 : 2000;
    await measure(`set 1 session record (fsync=${fsync})`, n, (i) => Promise.resolve(store.state.keys.set({ session: { [`p${i % 50}`]: record } })));
    await measure(`set batch of 2 records (fsync=${fsync})`, n / 2, (i) =>
      Promise.resolve(store.state.keys.set({ session: { [`a${i % 50}`]: record, [`b${i % 50}`]: record } })),
    );
    await measure(`saveCreds (fsync=${fsync})`, n / 4, () => store.saveCreds());
    await measure(`fence check alone`, n, () => store.checkFence());
    await measure(`get 1 record (cached)`, n, (i) => Promise.resolve(store.state.keys.get('session', [`p${i % 50}`])));
    await store.close();
    const cold = await FileAuthState.open({ dir, sessionId: 'bench', epoch: 1, fsync, cache: new KeyCache({ maxEntries: 1 }) });
    await measure(`get 1 record (uncached)`, n, (i) => Promise.resolve(cold.state.keys.get('session', [`p${i % 50}`])));
    await cold.close();
  }
  for (const fsync of [false, true]) await threadCpuPerBatch(path.join(root, `threads-${fsync}`), fsync);
  // The bounds before the journal kept its values (64 KiB, always into key files) and the default since.
  for (const contacts of [20, 200]) {
    for (const bounds of [
      { maxBytes: 64 * 1024, keepBytes: 0 },
      { maxBytes: 128 * 1024, keepBytes: 64 * 1024 },
      { maxBytes: 256 * 1024, keepBytes: 128 * 1024 },
    ]) {
      await compactionCost(path.join(root, `compaction-${contacts}-${bounds.maxBytes}`), contacts, bounds);
    }
  }
  if (!process.argv[2]) await fs.rm(root, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
