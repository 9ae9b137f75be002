import path from 'node:path';
import { BufferJSON, proto, type SignalDataTypeMap } from 'baileys';
import { readFileIfExists } from './atomic-file';
import type { FileChange } from './disk-ops';
import { keyFileName } from './file-names';
import type { JournalEntry } from './journal';
import type { CachedKey, KeyCache } from './key-cache';

/**
 * Key types not put in the cache when written. A pre-key is read at most once, when a contact starts
 * a session with this device, and removed then; Baileys uploads them 30 at a time, so caching them
 * filled the shared cache with entries that are never read (90,000 at 3,000 sessions, past its
 * 50,000-entry bound), crowding out keys that are. A pre-key read from disk is cached as any key.
 */
const WRITE_ONLY_TYPES: ReadonlySet<string> = new Set(['pre-key']);

/**
 * A key file's JSON as Baileys wrote it (`BufferJSON`). The reviver (a JS call for every value in
 * the text) only turns `{"type":"Buffer",…}` and `{"buffer":true,…}` objects into Buffers; a text
 * with neither (a Signal session: libsignal writes its keys as base64 strings) parses the same
 * without it, three times faster. A text with a `\u` escape could spell either, so it takes the reviver.
 */
export function parseKeyText(text: string): unknown {
  return text.includes('uffer"') || text.includes('\\u') ? JSON.parse(text, BufferJSON.reviver) : JSON.parse(text);
}

/** A key written by Baileys and not yet on disk: what reads get until it is (the overlay). */
interface StagedKey {
  readonly name: string;
  /** JSON text, or null for a removed key. */
  readonly text: CachedKey;
  readonly cacheable: boolean;
  /** Part of a batch being written now. */
  submitted: boolean;
}

/**
 * A key whose last write is in the journal and maybe not in its key file (see journal.ts): what reads
 * get, ahead of the cache (which may evict it) and the file (which may be older), until compaction.
 */
interface JournaledKey {
  readonly text: CachedKey;
  /** Where it goes in the cache after compaction; unknown for keys replayed at open (read from disk then). */
  readonly cacheKey: string | undefined;
  readonly cacheable: boolean;
}

/** Staged keys handed to the disk as one batch. */
export interface KeyBatch {
  readonly changes: FileChange[];
  readonly staged: ReadonlyArray<readonly [cacheKey: string, key: StagedKey]>;
}

/**
 * Reads the key files of one session directory through the shared cache; stages and batches their writes.
 *
 * Writes are visible at once: a staged key (written by Baileys, not yet on disk) is what every later
 * read returns, whatever the disk or the cache hold, until its batch is on disk. So no read ever sees an
 * older Signal state than the last one written, however writes and transactions interleave, and a
 * failed batch leaves its keys staged for the next one instead of losing them.
 *
 * A committed batch is in the key journal, not yet in key files: its keys stay in a second overlay
 * (`journaled`, by file name, never evicted) until a batch reports that the journal was compacted into
 * the files; only then are they served from the cache like any key read from disk. Reads go staged,
 * journaled, cache, disk.
 *
 * It knows which keys exist (listed when the directory was opened, then kept up to date by
 * every write, which only this lease holder makes), so a key that was never stored, such as the
 * session of a contact written to for the first time, is answered without touching the disk.
 */
export class KeyFiles {
  /** Bumped by every staged write; a disk read that overlapped one does not fill the cache. */
  private writeSeq = 0;
  /** Names of the key files on disk; undefined once a failed batch left that uncertain. */
  private names: Set<string> | undefined;
  private readonly staged = new Map<string, StagedKey>();
  /** By file name: keys journaled and not yet compacted into their files. */
  private readonly journaled = new Map<string, JournaledKey>();

  constructor(
    private readonly dir: string,
    private readonly cache: KeyCache,
    private readonly cachePrefix: string,
    private readonly onCorrupt: (type: string, error: unknown) => void,
    existing: Iterable<string>,
    journal: Iterable<JournalEntry> = [],
  ) {
    this.names = new Set(existing);
    for (const { name, text } of journal) this.journaled.set(name, { text, cacheKey: undefined, cacheable: false });
  }

  /** Keys staged and not yet on disk (submitted or not). */
  get stagedCount(): number {
    return this.staged.size;
  }

  /** Whether some staged key is not part of a batch yet. */
  get hasUnsubmitted(): boolean {
    for (const key of this.staged.values()) if (!key.submitted) return true;
    return false;
  }

  async read<T extends keyof SignalDataTypeMap>(type: T, id: string): Promise<SignalDataTypeMap[T] | undefined> {
    const text = await this.readText(type, id);
    if (text === null) return undefined;
    try {
      const value = parseKeyText(text);
      if (type === 'app-state-sync-key' && value) {
        return proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>) as unknown as SignalDataTypeMap[T];
      }
      return value as SignalDataTypeMap[T];
    } catch (error) {
      this.cache.delete(this.cacheKey(type, id));
      this.onCorrupt(type, error);
      return undefined;
    }
  }

  /** Stages `writes` (null or undefined removes the key): visible to every read from now on. */
  stage(writes: ReadonlyArray<readonly [type: string, id: string, value: unknown]>): void {
    this.writeSeq += 1;
    for (const [type, id, value] of writes) {
      const key = this.cacheKey(type, id);
      const text = value === null || value === undefined ? null : JSON.stringify(value, BufferJSON.replacer);
      this.staged.set(key, { name: keyFileName(type, id), text, cacheable: !WRITE_ONLY_TYPES.has(type), submitted: false });
      this.cache.delete(key);
    }
  }

  /** Every staged key not yet in a batch, as one batch (undefined when there is none). */
  takeBatch(): KeyBatch | undefined {
    const staged: Array<readonly [string, StagedKey]> = [];
    const byName = new Map<string, FileChange>();
    for (const entry of this.staged) {
      const key = entry[1];
      if (key.submitted) continue;
      key.submitted = true;
      staged.push(entry);
      byName.set(key.name, key.text === null ? { name: key.name, remove: true } : { name: key.name, text: key.text });
    }
    return staged.length === 0 ? undefined : { changes: [...byName.values()], staged };
  }

  /**
   * The batch is on disk (in the journal): its keys are served from the journaled overlay (unless
   * staged again since); once `compacted`, every journaled key is in its file and moves to the cache.
   */
  committed(batch: KeyBatch, compacted: boolean): void {
    for (const [cacheKey, key] of batch.staged) {
      // The journal holds this value even when the key was staged again since (the staged one wins reads).
      this.journaled.set(key.name, { text: key.text, cacheKey, cacheable: key.cacheable });
      if (this.staged.get(cacheKey) === key) this.staged.delete(cacheKey);
    }
    if (compacted) this.journalCompacted();
    for (const change of batch.changes) {
      if ('remove' in change) this.names?.delete(change.name);
      else this.names?.add(change.name);
    }
  }

  /** The journal was compacted (by any write): every journaled key is in its file now and is served from the cache. */
  journalCompacted(): void {
    for (const key of this.journaled.values()) {
      if (key.cacheKey !== undefined && key.cacheable && !this.staged.has(key.cacheKey)) this.cache.set(key.cacheKey, key.text);
    }
    this.journaled.clear();
  }

  /** The batch failed: its keys stay staged (still what reads get) and go in the next batch. */
  failed(batch: KeyBatch): void {
    for (const [cacheKey, key] of batch.staged) if (this.staged.get(cacheKey) === key) key.submitted = false;
    this.forgetNames();
  }

  /** Forgets every staged and journaled key (the directory, journal included, was cleared). */
  dropStaged(): void {
    this.staged.clear();
    this.journaled.clear();
  }

  /**
   * Which files exist is no longer known here (a batch failed part-way, or the directory was
   * cleared): reads go to the disk from now on.
   */
  forgetNames(): void {
    this.names = undefined;
  }

  private async readText(type: string, id: string): Promise<CachedKey> {
    const key = this.cacheKey(type, id);
    const staged = this.staged.get(key);
    if (staged) return staged.text;
    // The name is only worked out when needed: most reads are cache hits with no journaled key.
    let name: string | undefined;
    if (this.journaled.size > 0) {
      name = keyFileName(type, id);
      const journaled = this.journaled.get(name);
      if (journaled) return journaled.text;
    }
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const seq = this.writeSeq;
    name ??= keyFileName(type, id);
    const text = this.names && !this.names.has(name) ? null : ((await readFileIfExists(path.join(this.dir, name))) ?? null);
    if (seq !== this.writeSeq) {
      // A write was staged while the file was read: it may be this key's; the staged value wins.
      const since = this.staged.get(key);
      if (since) return since.text;
      const journaled = this.journaled.get(name);
      if (journaled) return journaled.text;
      return this.cache.get(key) ?? text;
    }
    this.cache.set(key, text);
    return text;
  }

  private cacheKey(type: string, id: string): string {
    return `${this.cachePrefix}${type}\u0000${id}`;
  }
}
