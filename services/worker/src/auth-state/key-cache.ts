/** Cached value of a key file: its JSON text, or null when the file is known not to exist. */
export type CachedKey = string | null;

export interface KeyCacheOptions {
  /** Upper bound on the cached text (approximate bytes). Default 16 MiB per process. */
  readonly maxBytes?: number;
  /** Upper bound on the number of entries. Default 50,000. */
  readonly maxEntries?: number;
}

const ENTRY_OVERHEAD = 64;

/**
 * A least-recently-used cache of key files shared by every store of a process, bounded in bytes and
 * entries, so memory does not grow with the number of sessions (unlike Baileys' per-socket cache).
 * It holds JSON text, not objects: every read gets a fresh copy that Baileys may mutate.
 */
export class KeyCache {
  private readonly entries = new Map<string, CachedKey>();
  private bytes = 0;
  readonly maxBytes: number;
  readonly maxEntries: number;

  constructor(options: KeyCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.maxEntries = options.maxEntries ?? 50_000;
  }

  get size(): number {
    return this.entries.size;
  }

  get approximateBytes(): number {
    return this.bytes;
  }

  get(key: string): CachedKey | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: CachedKey): void {
    this.delete(key);
    const cost = costOf(key, value);
    if (cost > this.maxBytes) return;
    this.entries.set(key, value);
    this.bytes += cost;
    this.evict();
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.bytes -= costOf(key, old);
  }

  /** Drops every entry whose key starts with `prefix` (one store's entries). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(prefix)) this.delete(key);
    }
  }

  private evict(): void {
    while (this.bytes > this.maxBytes || this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.delete(oldest.value);
    }
  }
}

function costOf(key: string, value: CachedKey): number {
  return key.length + (value?.length ?? 0) + ENTRY_OVERHEAD;
}

/** The default cache every store of this process shares. */
export const sharedKeyCache = new KeyCache();
