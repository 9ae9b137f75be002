import path from 'node:path';
import { readFileIfExists, writeFileAtomic } from './atomic-file';
import { FenceMissingError, StaleEpochError } from './errors';
import { FENCE_FILE } from './file-names';

/**
 * The on-disk half of lease fencing. `.epoch` in the session directory holds the highest epoch that
 * ever opened it; a holder of a lower epoch may neither open nor write.
 *
 * The check before a write and the write itself are two steps: a new owner can bump the fence in
 * between. The Redis lease (taken only after the old one is released or expired plus a margin, and
 * self-fencing on the old owner) keeps that window closed in practice; this file is the backstop.
 */
export class EpochFence {
  private readonly file: string;

  constructor(
    dir: string,
    private readonly sessionId: string,
    readonly epoch: number,
  ) {
    this.file = path.join(dir, FENCE_FILE);
  }

  /** The epoch on disk, or undefined when there is no fence file (or it is unreadable). */
  async read(): Promise<number | undefined> {
    const text = await readFileIfExists(this.file);
    if (text === undefined) return undefined;
    const value = Number.parseInt(text.trim(), 10);
    return Number.isSafeInteger(value) ? value : undefined;
  }

  /** Raises the fence to this epoch; refuses when a higher epoch already opened the directory. */
  async acquire(): Promise<void> {
    const current = await this.read();
    if (current !== undefined && current > this.epoch) throw this.stale(current);
    if (current === this.epoch) return;
    await writeFileAtomic(this.file, `${this.epoch}\n`, { fsync: true, fsyncDir: true, mode: 0o644 });
    const after = await this.read();
    if (after !== undefined && after > this.epoch) throw this.stale(after);
  }

  /** Throws unless the fence still holds exactly this epoch (or lower, which cannot happen). */
  async check(): Promise<void> {
    const current = await this.read();
    if (current === undefined) throw new FenceMissingError(this.sessionId);
    if (current > this.epoch) throw this.stale(current);
  }

  private stale(current: number): StaleEpochError {
    return new StaleEpochError(this.sessionId, this.epoch, current);
  }
}
