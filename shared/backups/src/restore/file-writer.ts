import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** Batches written or queued at once; past this, `write` asks the caller to wait. */
const MAX_IN_FLIGHT = 16;

export interface WriteBatch {
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number; readonly mode: number }>;
  /** The files' contents, one after the other. */
  readonly data: ArrayBuffer;
}

export type WriteBatchResult = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly code?: string };

/** A file the thread could not write (`code` is the system error's: EEXIST, ENOSPC …), or the thread failed. */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';

  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Creates new files on a worker thread, batch by batch, so that the kernel's work of creating
 * 100,000 small files overlaps with unpacking and verifying on the main thread (on a restore of
 * 129,000 files the main thread otherwise spends about half its time in open/write/close). Files
 * are created with `wx`: never over an existing file. The first failure is thrown by the next
 * `write` or by `flush`; `close` stops the thread, after which nothing more is written.
 */
export class ThreadedFileWriter {
  private readonly worker = new Worker(path.join(__dirname, 'file-writer-worker.js'));
  private pending: Array<{ path: string; data: Buffer; mode: number }> = [];
  private inFlight = 0;
  private failure: Error | undefined;
  private waiters: Array<() => void> = [];

  constructor() {
    this.worker.on('message', (result: WriteBatchResult) => this.settle(result.ok ? undefined : new FileWriteError(result.message, result.code)));
    this.worker.on('error', (error) => this.settle(new FileWriteError(`the file writer thread failed: ${error.message}`, undefined), this.inFlight));
    this.worker.on('exit', (code) =>
      this.settle(this.inFlight > 0 ? new FileWriteError(`the file writer thread exited (${code})`, undefined) : undefined, this.inFlight),
    );
  }

  /** Queues a file for the next batch. */
  add(file: string, data: Buffer, mode: number): void {
    if (this.failure) throw this.failure;
    this.pending.push({ path: file, data, mode });
  }

  /** Sends the queued files as one batch; resolves at once, or once the thread has caught up. */
  async send(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending.length > 0) {
      const files = this.pending;
      this.pending = [];
      const data = Buffer.allocUnsafeSlow(files.reduce((sum, f) => sum + f.data.length, 0));
      let offset = 0;
      for (const f of files) offset += f.data.copy(data, offset);
      const batch: WriteBatch = { files: files.map((f) => ({ path: f.path, size: f.data.length, mode: f.mode })), data: data.buffer as ArrayBuffer };
      this.inFlight += 1;
      this.worker.postMessage(batch, [batch.data]);
    }
    while (this.inFlight >= MAX_IN_FLIGHT && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Sends what is queued and waits until every file is written; throws the first failure. */
  async flush(): Promise<void> {
    await this.send();
    while (this.inFlight > 0 && !this.failure) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Stops the thread; no file is written after this resolves. Safe to call twice. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private settle(failure: Error | undefined, done = 1): void {
    this.inFlight = Math.max(0, this.inFlight - done);
    this.failure ??= failure;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
