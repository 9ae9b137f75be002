import path from 'node:path';
import { BufferJSON, proto, type SignalDataTypeMap } from 'baileys';
import { readFileIfExists } from './atomic-file';
import type { FileChange } from './disk-ops';
import { keyFileName } from './file-names';
import type { CachedKey, KeyCache } from './key-cache';

/**
 * Key types not put in the cache when written. A pre-key is read at most once, when a contact starts
 * a session with this device, and removed then; Baileys uploads them 30 at a time, so caching them
 * filled the shared cache with entries that are never read (90,000 at 3,000 sessions, past its
 * 50,000-entry bound), crowding out keys that are. A pre-key read from disk is cached as any key.
 */
const WRITE_ONLY_TYPES: ReadonlySet<string> = new Set(['pre-key']);

/** Key writes turned into file changes, and the cache entries they leave once written. */
export interface PreparedKeys {
  readonly changes: FileChange[];
  readonly entries: Array<[cacheKey: string, text: CachedKey]>;
}

/**
 * Reads the key files of one session directory through the shared cache; prepares their writes.
 * It knows which key files exist (listed when the directory was opened, then kept up to date by
 * every write, which only this lease holder makes), so a key that was never stored, such as the
 * session of a contact written to for the first time, is answered without touching the disk.
 */
export class KeyFiles {
  /** Bumped by every write batch; a read that overlapped one does not fill the cache. */
  private writeSeq = 0;
  /** Names of the key files on disk; undefined once a failed batch left that uncertain. */
  private names: Set<string> | undefined;

  constructor(
    private readonly dir: string,
    private readonly cache: KeyCache,
    private readonly cachePrefix: string,
    private readonly onCorrupt: (type: string, error: unknown) => void,
    existing: Iterable<string>,
  ) {
    this.names = new Set(existing);
  }

  async read<T extends keyof SignalDataTypeMap>(type: T, id: string): Promise<SignalDataTypeMap[T] | undefined> {
    const text = await this.readText(type, id);
    if (text === null) return undefined;
    try {
      const value: unknown = JSON.parse(text, BufferJSON.reviver);
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

  /**
   * The file changes that store `writes` (null or undefined removes the key). Their cache entries are
   * dropped now, so nothing reads a value that might not be written; `committed` puts them back.
   */
  prepare(writes: ReadonlyArray<readonly [type: string, id: string, value: unknown]>): PreparedKeys {
    this.writeSeq += 1;
    const changes: FileChange[] = [];
    const entries: Array<[string, CachedKey]> = [];
    for (const [type, id, value] of writes) {
      const key = this.cacheKey(type, id);
      this.cache.delete(key);
      const name = keyFileName(type, id);
      const text = value === null || value === undefined ? null : JSON.stringify(value, BufferJSON.replacer);
      changes.push(text === null ? { name, remove: true } : { name, text });
      if (!WRITE_ONLY_TYPES.has(type)) entries.push([key, text]);
    }
    return { changes, entries };
  }

  /** The batch is on disk: its values may be served from the cache. */
  committed(prepared: PreparedKeys): void {
    for (const [key, text] of prepared.entries) this.cache.set(key, text);
    for (const change of prepared.changes) {
      if ('remove' in change) this.names?.delete(change.name);
      else this.names?.add(change.name);
    }
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
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const seq = this.writeSeq;
    const name = keyFileName(type, id);
    const text = this.names && !this.names.has(name) ? null : ((await readFileIfExists(path.join(this.dir, name))) ?? null);
    if (seq === this.writeSeq) this.cache.set(key, text);
    return text;
  }

  private cacheKey(type: string, id: string): string {
    return `${this.cachePrefix}${type}\u0000${id}`;
  }
}
