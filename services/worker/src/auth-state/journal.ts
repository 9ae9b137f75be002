import { createHash } from 'node:crypto';
import { closeSync, constants, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fsyncDirSync, writeAllSync, writeFileAtomicSync } from './atomic-file';
import { CREDS_FILE, isKeyFileName, JOURNAL_FILE } from './file-names';

/**
 * The key journal of a session directory: an append-only file of key batches and credentials, so a
 * batch (one per sent message: two Signal session records) or a credentials update (several while a
 * device pairs) costs one append and one fdatasync instead of an atomic file per key (open, write,
 * fsync, rename) plus a directory fsync.
 *
 * A record is `magic (u32) | payload length (u32) | first 8 bytes of the payload's SHA-256 | payload`,
 * the payload a list of `kind (u8: 1 write, 0 remove) | name length (u16) | name | [text length (u32) | text]`.
 * A crash mid-append leaves a torn last record: its length or checksum does not match, so it is
 * dropped, and the file is cut back to the last whole record before anything is appended after it
 * (a record after a torn one could never be replayed).
 *
 * Compaction, once the journal reaches its size bound (`maxBytes`), takes one of two forms:
 * - the values it holds (last wins) take at most `keepBytes` as one record: the journal is rewritten
 *   as that record, an atomic file (temporary file, fsync, rename, directory fsync). A session writing
 *   to the same few contacts rewrites the same Signal session records again and again; this keeps
 *   them in one file written per compaction instead of one atomic key file each, with the inode made
 *   and freed per file. A crash before the rename leaves the old journal, which holds the same values.
 * - otherwise every value it holds is written as an atomic key file, the directory is synced, and only
 *   then the journal is emptied. A crash in between replays values the files already hold (last write
 *   wins; replaying is idempotent).
 *
 * Everything here is synchronous: it runs on the auth state's I/O threads (see DiskThreads).
 */

/** One key as the journal last left it: its JSON text, or null when removed. */
export interface JournalEntry {
  readonly name: string;
  readonly text: string | null;
}

/** A key change to append (the shape of disk-ops' FileChange, without importing it: no cycle). */
export type JournalChange = { readonly name: string; readonly text: string } | { readonly name: string; readonly remove: true };

/** When an append compacts the journal, and into what (see the top of this file). */
export interface CompactionBounds {
  /** The journal is compacted by the append that makes it this long (0: by every append). */
  readonly maxBytes: number;
  /** Compaction rewrites the journal when the values it holds fit in this many bytes, else writes the key files. */
  readonly keepBytes: number;
}

const MAGIC = 0x464b4a31; // "FKJ1"
const HEADER_BYTES = 16;
const CHECKSUM_BYTES = 8;

/**
 * Length of the valid journal per directory, as this thread last left it. A directory always goes
 * to the same I/O thread, so a matching size means the file is exactly what this thread validated
 * or appended; anything else (first write since the thread started, a failed append whose cut-back
 * failed too, another process) is rescanned before the next append.
 */
const knownLengths = new Map<string, number>();

/**
 * Journals this thread keeps open between appends (directory → fd), least recently used first: an
 * append to an open journal is an fstat, the write and the fdatasync, without the open and close
 * around them. The fstat still sees a journal removed or replaced behind this thread (no link left:
 * opened again) or grown by another process (rescanned, as above). Opening or clearing a directory
 * closes what this thread kept open for it.
 */
const openJournals = new Map<string, number>();
/** Past this many open journals per thread, the least recently used is closed (4 threads: 1,024 fds). */
const MAX_OPEN_JOURNALS = 256;

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Closing a descriptor that already failed: nothing to do with the error.
  }
}

/** Closes the journal this thread keeps open for `dir`, if any. */
function forgetOpenJournal(dir: string): void {
  const fd = openJournals.get(dir);
  if (fd === undefined) return;
  openJournals.delete(dir);
  closeQuietly(fd);
}

/** Keeps `fd` open for the next append to `dir` (as the most recently used). */
function keepOpen(dir: string, fd: number): void {
  openJournals.set(dir, fd);
  if (openJournals.size <= MAX_OPEN_JOURNALS) return;
  const [oldest] = openJournals.keys();
  if (oldest !== undefined) forgetOpenJournal(oldest);
}

/** Closes every journal this thread keeps open (the thread is stopping). */
export function closeOpenJournalsSync(): void {
  for (const dir of [...openJournals.keys()]) forgetOpenJournal(dir);
}

function checksum(payload: Buffer): Buffer {
  return createHash('sha256').update(payload).digest().subarray(0, CHECKSUM_BYTES);
}

/** A name the journal may carry: a key file name or `creds.json`, never a path (a restored directory is not trusted). */
function isJournalName(name: string): boolean {
  return (isKeyFileName(name) || name === CREDS_FILE) && !name.includes('/') && !name.includes('\\') && !name.startsWith('.');
}

/** One record holding `changes`, in order. */
export function encodeRecord(changes: readonly JournalChange[]): Buffer {
  const parts = changes.map((change) => {
    if (!isJournalName(change.name)) throw new Error(`not a key file or credentials name: ${change.name}`);
    return { name: Buffer.from(change.name, 'utf8'), text: 'remove' in change ? undefined : Buffer.from(change.text, 'utf8') };
  });
  let payloadLength = 0;
  for (const part of parts) payloadLength += 3 + part.name.length + (part.text ? 4 + part.text.length : 0);
  const record = Buffer.allocUnsafe(HEADER_BYTES + payloadLength);
  let at = HEADER_BYTES;
  for (const part of parts) {
    at = record.writeUInt8(part.text ? 1 : 0, at);
    at = record.writeUInt16LE(part.name.length, at);
    at += part.name.copy(record, at);
    if (!part.text) continue;
    at = record.writeUInt32LE(part.text.length, at);
    at += part.text.copy(record, at);
  }
  record.writeUInt32LE(MAGIC, 0);
  record.writeUInt32LE(payloadLength, 4);
  checksum(record.subarray(HEADER_BYTES)).copy(record, 8);
  return record;
}

/** The entries of one payload, or undefined when it does not parse (never for a record we wrote). */
function decodePayload(payload: Buffer): JournalEntry[] | undefined {
  const entries: JournalEntry[] = [];
  let at = 0;
  while (at < payload.length) {
    if (at + 3 > payload.length) return undefined;
    const kind = payload.readUInt8(at);
    const nameEnd = at + 3 + payload.readUInt16LE(at + 1);
    if (kind > 1 || nameEnd > payload.length) return undefined;
    const name = payload.toString('utf8', at + 3, nameEnd);
    if (!isJournalName(name)) return undefined;
    at = nameEnd;
    if (kind === 0) {
      entries.push({ name, text: null });
      continue;
    }
    if (at + 4 > payload.length) return undefined;
    const textEnd = at + 4 + payload.readUInt32LE(at);
    if (textEnd > payload.length) return undefined;
    entries.push({ name, text: payload.toString('utf8', at + 4, textEnd) });
    at = textEnd;
  }
  return entries;
}

/**
 * The credentials and the keys a journal's text holds (last wins), read without changing the file:
 * what a reader outside the session's run (a check of a restored directory) sees at open.
 */
export function journalEntriesSync(dir: string): JournalEntry[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(dir, JOURNAL_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return lastWins(scanJournal(bytes).entries);
}

/** Every entry of the whole records at the start of `bytes`, and where the first torn or foreign one starts. */
export function scanJournal(bytes: Buffer): { entries: JournalEntry[]; validLength: number } {
  const entries: JournalEntry[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= bytes.length) {
    if (bytes.readUInt32LE(at) !== MAGIC) break;
    const end = at + HEADER_BYTES + bytes.readUInt32LE(at + 4);
    if (end > bytes.length) break;
    const payload = bytes.subarray(at + HEADER_BYTES, end);
    if (!checksum(payload).equals(bytes.subarray(at + 8, at + HEADER_BYTES))) break;
    const decoded = decodePayload(payload);
    if (!decoded) break;
    entries.push(...decoded);
    at = end;
  }
  return { entries, validLength: at };
}

/** The last entry of each name, in the order of those last entries. */
export function lastWins(entries: readonly JournalEntry[]): JournalEntry[] {
  const latest = new Map<string, JournalEntry>();
  for (const entry of entries) {
    latest.delete(entry.name);
    latest.set(entry.name, entry);
  }
  return [...latest.values()];
}

function readAllSync(fd: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let at = 0;
  while (at < length) {
    const read = readSync(fd, bytes, at, length - at, at);
    if (read === 0) break;
    at += read;
  }
  return bytes.subarray(0, at);
}

/** Scans the journal open on `fd`, cuts off a torn tail (synced when `fsync`) and returns its entries. */
function recoverSync(dir: string, fd: number, fsync: boolean): { entries: JournalEntry[]; validLength: number } {
  knownLengths.delete(dir);
  const bytes = readAllSync(fd, fstatSync(fd).size);
  const scanned = scanJournal(bytes);
  if (scanned.validLength < bytes.length) {
    ftruncateSync(fd, scanned.validLength);
    if (fsync) fdatasyncSync(fd);
  }
  knownLengths.set(dir, scanned.validLength);
  return scanned;
}

function openJournalSync(dir: string, create: boolean): { fd: number; created: boolean } | undefined {
  const file = path.join(dir, JOURNAL_FILE);
  try {
    return { fd: openSync(file, constants.O_RDWR | constants.O_APPEND), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (!create) return undefined;
  }
  return { fd: openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL, 0o600), created: true };
}

/**
 * Opening a directory: the journal's entries (last wins), after cutting off a torn tail; empty when
 * there is no journal. Run once the fence is held, before anything is appended.
 */
export function replayJournalSync(dir: string): JournalEntry[] {
  forgetOpenJournal(dir);
  const journal = openJournalSync(dir, false);
  if (!journal) {
    knownLengths.delete(dir);
    return [];
  }
  let entries: JournalEntry[];
  try {
    entries = lastWins(recoverSync(dir, journal.fd, true).entries);
  } catch (error) {
    closeQuietly(journal.fd);
    throw error;
  }
  // The session's first append follows soon: it finds the journal open.
  keepOpen(dir, journal.fd);
  return entries;
}

/** The journal to append to: the one kept open when it is still linked, else opened (created if missing); with its size. */
function journalForAppend(dir: string): { fd: number; created: boolean; size: number } {
  const kept = openJournals.get(dir);
  if (kept !== undefined) {
    openJournals.delete(dir);
    const stat = fstatSync(kept);
    if (stat.nlink > 0) return { fd: kept, created: false, size: stat.size };
    closeQuietly(kept);
    knownLengths.delete(dir);
  }
  const { fd, created } = openJournalSync(dir, true) as { fd: number; created: boolean };
  try {
    return { fd, created, size: fstatSync(fd).size };
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
}

/**
 * Appends `changes` as one record and syncs it (fdatasync; the directory too when the journal was
 * just created, or its name could be lost). Compacts once the journal reaches `maxBytes`. Returns
 * whether it compacted into key files: the journal's values are then in them, and the journal empty.
 */
export function appendJournalSync(dir: string, changes: readonly JournalChange[], options: CompactionBounds & { readonly fsync: boolean }): boolean {
  const record = encodeRecord(changes);
  const { fd, created, size } = journalForAppend(dir);
  let keep = false;
  try {
    let length = size;
    if (knownLengths.get(dir) !== length) length = recoverSync(dir, fd, options.fsync).validLength;
    knownLengths.delete(dir);
    try {
      writeAllSync(fd, record);
      if (options.fsync) fdatasyncSync(fd);
    } catch (error) {
      // A torn record would hide every later one from replay: cut it off now. If that fails too,
      // the length stays unknown and the next append rescans (and cuts) first.
      try {
        ftruncateSync(fd, length);
        knownLengths.set(dir, length);
      } catch {
        // Reported by the append's own error below.
      }
      throw error;
    }
    length += record.length;
    knownLengths.set(dir, length);
    if (created && options.fsync) fsyncDirSync(dir);
    const compaction = length >= options.maxBytes ? compactSync(dir, fd, options) : 'none';
    // A rewritten journal is another file: the next append opens it.
    keep = compaction !== 'rewritten';
    return compaction === 'files';
  } finally {
    // A journal whose append failed is closed: the next append opens it again and checks it whole.
    if (keep) keepOpen(dir, fd);
    else closeQuietly(fd);
  }
}

/**
 * Rewrites the journal as one record of its values when they fit in `keepBytes`; otherwise writes every
 * value as an atomic key file (removals remove), syncs the directory, then empties the journal.
 */
function compactSync(dir: string, fd: number, options: CompactionBounds & { readonly fsync: boolean }): 'rewritten' | 'files' {
  const { fsync } = options;
  const values = lastWins(recoverSync(dir, fd, fsync).entries);
  knownLengths.delete(dir);
  const kept =
    values.length > 0 && options.keepBytes > 0
      ? encodeRecord(values.map((entry) => (entry.text === null ? { name: entry.name, remove: true } : { name: entry.name, text: entry.text })))
      : undefined;
  if (kept !== undefined && kept.length <= options.keepBytes) {
    writeFileAtomicSync(path.join(dir, JOURNAL_FILE), kept, { fsync, fsyncDir: fsync });
    knownLengths.set(dir, kept.length);
    return 'rewritten';
  }
  for (const entry of values) {
    const file = path.join(dir, entry.name);
    if (entry.text === null) rmSync(file, { force: true });
    else writeFileAtomicSync(file, entry.text, { fsync });
  }
  if (fsync) fsyncDirSync(dir);
  // Only now: until the files are durable, the journal is what holds these values.
  ftruncateSync(fd, 0);
  if (fsync) fdatasyncSync(fd);
  knownLengths.set(dir, 0);
  return 'files';
}

/** Removes the journal (clearing the directory); the caller syncs the directory. */
export function removeJournalSync(dir: string): void {
  forgetOpenJournal(dir);
  knownLengths.delete(dir);
  rmSync(path.join(dir, JOURNAL_FILE), { force: true });
}
