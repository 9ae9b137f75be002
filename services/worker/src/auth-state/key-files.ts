import path from 'node:path';
import { BufferJSON, proto, type SignalDataTypeMap } from 'baileys';
import { readFileIfExists, removeFile, writeFileAtomic } from './atomic-file';
import { keyFileName } from './file-names';
import type { CachedKey, KeyCache } from './key-cache';

/** Reads and writes the key files of one session directory through the shared cache. */
export class KeyFiles {
  /** Bumped by every write; a read that overlapped a write does not fill the cache. */
  private writeSeq = 0;

  constructor(
    private readonly dir: string,
    private readonly cache: KeyCache,
    private readonly cachePrefix: string,
    private readonly fsync: boolean,
    private readonly onCorrupt: (type: string, error: unknown) => void,
  ) {}

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

  async write(type: string, id: string, value: unknown): Promise<void> {
    this.writeSeq += 1;
    const file = path.join(this.dir, keyFileName(type, id));
    const key = this.cacheKey(type, id);
    this.cache.delete(key);
    if (value === null || value === undefined) {
      await removeFile(file);
      this.cache.set(key, null);
      return;
    }
    const text = JSON.stringify(value, BufferJSON.replacer);
    await writeFileAtomic(file, text, { fsync: this.fsync });
    this.cache.set(key, text);
  }

  private async readText(type: string, id: string): Promise<CachedKey> {
    const key = this.cacheKey(type, id);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const seq = this.writeSeq;
    const text = (await readFileIfExists(path.join(this.dir, keyFileName(type, id)))) ?? null;
    if (seq === this.writeSeq) this.cache.set(key, text);
    return text;
  }

  private cacheKey(type: string, id: string): string {
    return `${this.cachePrefix}${type}\u0000${id}`;
  }
}
