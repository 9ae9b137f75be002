import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fsyncDirSync, readFileIfExistsSync, removeTempFilesSync, writeFileAtomicSync } from './atomic-file';
import { parseFence, formatFence, type Fence } from './fence-file';
import { CREDS_FILE, FENCE_FILE, isKeyFileName } from './file-names';
import { appendJournalSync, journalEntriesSync, removeJournalSync, replayJournalSync, type CompactionBounds, type JournalEntry } from './journal';

/**
 * Everything the auth state does to a session directory, as whole synchronous operations run on an
 * I/O thread (see DiskThreads): one message to the thread per operation instead of a dozen file
 * system calls through libuv's pool, each costing the event loop a dispatch and a callback.
 *
 * The fence: `.epoch` in the session directory holds the highest lease epoch that ever opened it
 * (and the run that claimed it, see fence-file); a holder of a lower epoch may neither open nor
 * write. Every write checks it first. The check and the write are two steps (a new owner can raise
 * the fence in between); the Redis lease, taken only after the old one is released or expired plus
 * a margin, and the old owner's self-fencing keep that window closed in practice; this file is the
 * backstop.
 */
export type FenceState =
  { readonly kind: 'held'; readonly compacted?: true } | { readonly kind: 'stale'; readonly current: number } | { readonly kind: 'missing' };

const HELD: FenceState = { kind: 'held' };

/** One change of a write batch: a key file or `creds.json` written, or removed. */
export type FileChange = { readonly name: string; readonly text: string } | { readonly name: string; readonly remove: true };

export interface WriteBatch {
  readonly dir: string;
  readonly epoch: number;
  /** fdatasync the journal after the append (and, when it compacts, fsync the files and the directory). */
  readonly fsync: boolean;
  /** Appended to the directory's journal as one record (key files and `creds.json` only). */
  readonly changes: readonly FileChange[];
  /** When the journal is compacted (the result is `compacted` when into the key files; see journal.ts). */
  readonly journal: CompactionBounds;
}

export interface OpenResult {
  readonly fence: FenceState;
  /** The credentials (the journal's last, else `creds.json`), when the fence is held and there are any. */
  readonly creds: string | undefined;
  /** The keys that exist (when the fence is held): the key files, with the journal's writes and removals applied. */
  readonly keyFiles: readonly string[];
  /** The keys the journal holds and the key files may not (yet): last value of each, null when removed (the credentials are in `creds`). */
  readonly journal: readonly JournalEntry[];
}

/** The fence on disk, or undefined when there is no fence file (or it is unreadable). */
function readFence(dir: string): Fence | undefined {
  const text = readFileIfExistsSync(path.join(dir, FENCE_FILE));
  return text === undefined ? undefined : parseFence(text);
}

/** Whether `epoch` still holds the directory (the fence is exactly it; lower cannot happen). */
export function checkFence(dir: string, epoch: number): FenceState {
  const current = readFence(dir)?.epoch;
  if (current === undefined) return { kind: 'missing' };
  return current > epoch ? { kind: 'stale', current } : HELD;
}

/** Raises the fence to `epoch`; refuses when a higher epoch already opened the directory. */
function acquireFence(dir: string, epoch: number): FenceState {
  const current = readFence(dir)?.epoch;
  if (current !== undefined && current > epoch) return { kind: 'stale', current };
  if (current === epoch) return HELD;
  writeFileAtomicSync(path.join(dir, FENCE_FILE), formatFence(epoch), { fsync: true, fsyncDir: true, mode: 0o644 });
  const after = readFence(dir)?.epoch;
  return after !== undefined && after > epoch ? { kind: 'stale', current: after } : HELD;
}

/**
 * Claims the directory (creating it if needed) for a run that has just taken the lease under
 * `epoch`: a fresh take hands out a number no run may have used, so a fence at or above it means the
 * number was handed out before (a Redis failover lost the increment) or the directory was restored
 * with a higher fence; the answer is `stale` with that fence, and the caller takes a higher epoch.
 * Otherwise writes `epoch holder` and reads it back: two runs claiming at once under one number both
 * write, one reads the other's holder, and that one steps past too.
 */
export function claimFence(dir: string, epoch: number, holder: string): FenceState {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const current = readFence(dir);
  if (current !== undefined && current.epoch >= epoch) return { kind: 'stale', current: current.epoch };
  writeFileAtomicSync(path.join(dir, FENCE_FILE), formatFence(epoch, holder), { fsync: true, fsyncDir: true, mode: 0o644 });
  const after = readFence(dir);
  return after?.epoch === epoch && after.holder === holder ? HELD : { kind: 'stale', current: after?.epoch ?? epoch };
}

/**
 * Opens (creating if needed) a session directory under `epoch`: raises the fence, removes temporary
 * files left by a crash, reads `creds.json`, lists the key files and replays the journal (a torn last
 * record is cut off here, before anything can be appended after it); credentials in the journal are
 * newer than `creds.json`.
 */
export function openSessionDir(dir: string, epoch: number): OpenResult {
  // `mkdirSync` names what it created: a directory made just now holds nothing but the fence below.
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined;
  const fence = acquireFence(dir, epoch);
  if (fence.kind !== 'held' || created) return { fence, creds: undefined, keyFiles: [], journal: [] };
  const names = readdirSync(dir);
  removeTempFilesSync(dir, names);
  let creds = readFileIfExistsSync(path.join(dir, CREDS_FILE));
  const journal: JournalEntry[] = [];
  const keyFiles = new Set(names.filter(isKeyFileName));
  for (const entry of replayJournalSync(dir)) {
    if (entry.name === CREDS_FILE) {
      creds = entry.text ?? undefined;
      continue;
    }
    journal.push(entry);
    if (entry.text === null) keyFiles.delete(entry.name);
    else keyFiles.add(entry.name);
  }
  return { fence, creds, keyFiles: [...keyFiles], journal };
}

/**
 * The credentials a store opening `dir` reads (the journal's last, else `creds.json`), read without
 * opening it: no fence raised, nothing cut or removed. For checks of a directory no run holds.
 */
export function readStoredCredsSync(dir: string): string | undefined {
  const journaled = journalEntriesSync(dir).find((entry) => entry.name === CREDS_FILE);
  return journaled ? (journaled.text ?? undefined) : readFileIfExistsSync(path.join(dir, CREDS_FILE));
}

/** Checks the fence, then appends the batch to the key journal (see journal.ts). */
export function writeBatch(batch: WriteBatch): FenceState {
  const fence = checkFence(batch.dir, batch.epoch);
  if (fence.kind !== 'held') return fence;
  const compacted = appendJournalSync(batch.dir, batch.changes, { fsync: batch.fsync, ...batch.journal });
  return compacted ? { kind: 'held', compacted: true } : HELD;
}

/** Removes the credentials, every key (the journal too) and leftover temporary files; the fence stays. */
export function clearSessionDir(dir: string, epoch: number): FenceState {
  const fence = checkFence(dir, epoch);
  if (fence.kind !== 'held') return fence;
  for (const name of readdirSync(dir)) {
    if (name === CREDS_FILE || isKeyFileName(name)) rmSync(path.join(dir, name), { force: true });
  }
  removeJournalSync(dir);
  removeTempFilesSync(dir);
  fsyncDirSync(dir);
  return HELD;
}
