import { createHash } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { FenceState, OpenResult, WriteBatch } from './disk-ops';
import type { DiskErrorInfo, DiskOperation, DiskReply } from './disk-protocol';

/** Default number of I/O threads: libuv's own pool size, enough for fsync-bound local disks and NFS. */
export const DEFAULT_DISK_THREADS = 4;

const THREAD_ENTRY = path.join(__dirname, 'disk-thread.js');

interface Pending {
  readonly op: DiskOperation['op'];
  /** performance.now() when the operation was handed to its thread. */
  readonly startedAt: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Told how long each operation took, queueing on its thread included (for the storage latency metric). */
export type DiskObserver = (op: DiskOperation['op'], seconds: number, failed: boolean) => void;

interface Lane {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Called once `pending` is empty (close waits for the operations in flight). */
  readonly idleWaiters: Array<() => void>;
}

/** An I/O thread's error, with the code, syscall and path the file system gave. */
export class DiskOperationError extends Error {
  override readonly name = 'DiskOperationError';
  readonly code: string | undefined;
  readonly syscall: string | undefined;
  readonly path: string | undefined;

  constructor(info: DiskErrorInfo) {
    super(info.message);
    this.code = info.code;
    this.syscall = info.syscall;
    this.path = info.path;
  }
}

/**
 * The auth state's file work on a few threads of its own. Every write batch (fence check, then a
 * journal append) is one message to a thread and one back, so
 * the event loop, which all of a worker's sessions share, pays a few tens of microseconds per batch
 * instead of a libuv round trip per system call; a slow or stalled disk (NFS) blocks these threads,
 * never the event loop. A directory always goes to the same thread, so one session's operations keep
 * their order. Threads start on first use and never keep the process alive.
 */
export class DiskThreads {
  private readonly lanes: Array<Lane | undefined>;
  private nextId = 0;
  private closed = false;
  /** Set by the owner to watch the storage's latency. */
  observer: DiskObserver | undefined;

  constructor(readonly size: number = DEFAULT_DISK_THREADS) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`disk threads must be a positive integer, got ${String(size)}`);
    this.lanes = new Array<Lane | undefined>(size).fill(undefined);
  }

  open(dir: string, epoch: number): Promise<OpenResult> {
    return this.call(dir, { op: 'open', dir, epoch }) as Promise<OpenResult>;
  }

  write(batch: WriteBatch): Promise<FenceState> {
    return this.call(batch.dir, { op: 'write', batch }) as Promise<FenceState>;
  }

  check(dir: string, epoch: number): Promise<FenceState> {
    return this.call(dir, { op: 'check', dir, epoch }) as Promise<FenceState>;
  }

  clear(dir: string, epoch: number): Promise<FenceState> {
    return this.call(dir, { op: 'clear', dir, epoch }) as Promise<FenceState>;
  }

  /** See `claimFence`: run once per lease taken, before the session's store opens the directory. */
  claim(dir: string, epoch: number, holder: string): Promise<FenceState> {
    return this.call(dir, { op: 'claim', dir, epoch, holder }) as Promise<FenceState>;
  }

  /** Stops the threads once the operations in flight are answered. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const lanes = this.lanes.splice(0, this.lanes.length, ...new Array<undefined>(this.size).fill(undefined));
    await Promise.all(
      lanes.map(async (lane) => {
        if (!lane) return;
        if (lane.pending.size > 0) await new Promise<void>((resolve) => lane.idleWaiters.push(resolve));
        // The journals it keeps open are the process's descriptors: they outlive the thread unless closed.
        await this.post(lane, { op: 'release' }).catch(() => undefined);
        await lane.worker.terminate();
      }),
    );
  }

  private call(dir: string, operation: DiskOperation): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('auth-state I/O threads are closed'));
    return this.post(this.laneFor(dir), operation);
  }

  private post(lane: Lane, operation: DiskOperation): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      lane.pending.set(id, { op: operation.op, startedAt: performance.now(), resolve, reject });
      lane.worker.ref();
      lane.worker.postMessage({ ...operation, id });
    });
  }

  private laneFor(dir: string): Lane {
    const index = createHash('sha1').update(dir).digest().readUInt32BE(0) % this.size;
    let lane = this.lanes[index];
    if (!lane) {
      lane = this.spawn(index);
      this.lanes[index] = lane;
    }
    return lane;
  }

  private spawn(index: number): Lane {
    const worker = new Worker(THREAD_ENTRY);
    const lane: Lane = { worker, pending: new Map(), idleWaiters: [] };
    const settled = (): void => {
      if (lane.pending.size > 0) return;
      worker.unref();
      for (const waiter of lane.idleWaiters.splice(0)) waiter();
    };
    worker.unref();
    worker.on('message', (reply: DiskReply) => {
      const pending = lane.pending.get(reply.id);
      if (!pending) return;
      lane.pending.delete(reply.id);
      this.observer?.(pending.op, (performance.now() - pending.startedAt) / 1000, 'error' in reply);
      if ('error' in reply) pending.reject(new DiskOperationError(reply.error));
      else pending.resolve(reply.result);
      settled();
    });
    const fail = (error: Error): void => {
      if (this.lanes[index] === lane) this.lanes[index] = undefined;
      for (const pending of lane.pending.values()) pending.reject(error);
      lane.pending.clear();
      settled();
    };
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => fail(new Error(`auth-state I/O thread exited (code ${code})`)));
    return lane;
  }
}

let shared: DiskThreads | undefined;

/** The process-wide I/O threads, used by every store not given threads of its own. */
export function sharedDiskThreads(): DiskThreads {
  shared ??= new DiskThreads();
  return shared;
}
