import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  BufferJSON,
  initAuthCreds,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from 'baileys';
import { fsyncDir, readFileIfExists, removeFile, removeTempFiles, writeFileAtomic } from './atomic-file';
import { EpochFence } from './epoch-fence';
import { AuthStateClosedError, CorruptAuthStateError, FenceMissingError, StaleEpochError } from './errors';
import { CREDS_FILE, isKeyFileName } from './file-names';
import { sharedKeyCache, type KeyCache } from './key-cache';
import { KeyFiles } from './key-files';
import { forEachLimit, SerialQueue } from './serial-queue';

export interface FileAuthStateOptions {
  /** The session directory (`sessionStorageDir(...)`); created when missing. */
  readonly dir: string;
  /** Used in errors and logs only. */
  readonly sessionId: string;
  /** Fencing epoch of the lease this run holds (a positive integer). */
  readonly epoch: number;
  /** fsync every file before its rename and the directory after each batch. Default true. */
  readonly fsync?: boolean;
  /** Key cache; default the bounded cache shared by the whole process. */
  readonly cache?: KeyCache;
  /** Key files written in parallel within one batch. Default 8. */
  readonly writeConcurrency?: number;
  /** Called once when a write finds the fence moved (another owner took over). Must not throw. */
  readonly onFenced?: (error: StaleEpochError | FenceMissingError) => void;
  /** Called when a key file cannot be parsed (it is then treated as missing). Must not throw. */
  readonly onCorruptKey?: (type: string, error: unknown) => void;
}

type Status = 'open' | 'fenced' | 'cleared' | 'closed';

let storeCounter = 0;

/**
 * Baileys' `AuthenticationState` on the file system: `creds.json` plus one file per Signal key,
 * every write atomic and fenced by the lease epoch. Writes run one batch at a time, in call order.
 */
export class FileAuthState {
  readonly state: AuthenticationState;
  private status: Status = 'open';
  private fenceError: StaleEpochError | FenceMissingError | undefined;
  private readonly queue = new SerialQueue();
  private readonly keyFiles: KeyFiles;
  private readonly cache: KeyCache;
  private readonly cachePrefix = `${++storeCounter}\u0000`;
  private credsQueued: Promise<void> | undefined;

  private constructor(
    private readonly options: FileAuthStateOptions,
    private readonly fence: EpochFence,
    creds: AuthenticationCreds,
  ) {
    this.cache = options.cache ?? sharedKeyCache;
    this.keyFiles = new KeyFiles(options.dir, this.cache, this.cachePrefix, this.fsync, (type, error) =>
      options.onCorruptKey?.(type, error),
    );
    this.state = { creds, keys: this.makeKeyStore() };
  }

  /**
   * Opens (creating if needed) the session directory under `epoch`: raises the fence, refuses with
   * `StaleEpochError` when a higher epoch already opened it, removes temporary files left by a crash
   * and loads `creds.json` (fresh credentials when there is none).
   */
  static async open(options: FileAuthStateOptions): Promise<FileAuthState> {
    if (!Number.isSafeInteger(options.epoch) || options.epoch < 1) {
      throw new RangeError(`epoch must be a positive integer, got ${String(options.epoch)}`);
    }
    await fs.mkdir(options.dir, { recursive: true, mode: 0o700 });
    const fence = new EpochFence(options.dir, options.sessionId, options.epoch);
    await fence.acquire();
    await removeTempFiles(options.dir);
    const creds = (await loadCreds(options.dir, options.sessionId)) ?? initAuthCreds();
    return new FileAuthState(options, fence, creds);
  }

  get epoch(): number {
    return this.fence.epoch;
  }

  get dir(): string {
    return this.options.dir;
  }

  /** True once the device is paired (credentials carry the account id). */
  get isRegistered(): boolean {
    return typeof this.state.creds.me?.id === 'string';
  }

  /** True while writes are accepted. */
  get isWritable(): boolean {
    return this.status === 'open';
  }

  /** Persists the current credentials; calls made while one is already waiting share it. */
  saveCreds(): Promise<void> {
    if (this.credsQueued) return this.credsQueued;
    const queued = this.queue.run(async () => {
      this.credsQueued = undefined;
      await this.beginWrite();
      const text = JSON.stringify(this.state.creds, BufferJSON.replacer);
      await writeFileAtomic(path.join(this.options.dir, CREDS_FILE), text, { fsync: this.fsync, fsyncDir: this.fsync });
    });
    this.credsQueued = queued;
    return queued;
  }

  /**
   * True while this store's epoch still holds the directory. Reports `onFenced` (once) and refuses
   * writes from then on when a newer epoch opened it. Cheap: one small file read.
   */
  async checkFence(): Promise<boolean> {
    if (this.fenceError) return false;
    try {
      await this.fence.check();
      return true;
    } catch (error) {
      if (error instanceof StaleEpochError || error instanceof FenceMissingError) {
        this.markFenced(error);
        return false;
      }
      throw error;
    }
  }

  /** Resolves once every write requested so far has finished (successfully or not). */
  flush(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Removes the credentials and every key (logout, 401). The fence stays, so epochs keep growing.
   * The store refuses writes afterwards; open a new one to pair again.
   */
  clear(): Promise<void> {
    return this.queue.run(async () => {
      await this.beginWrite();
      const names = await fs.readdir(this.options.dir);
      const doomed = names.filter((name) => name === CREDS_FILE || isKeyFileName(name));
      await forEachLimit(doomed, this.concurrency, (name) => removeFile(path.join(this.options.dir, name)));
      await removeTempFiles(this.options.dir);
      await fsyncDir(this.options.dir);
      this.cache.deletePrefix(this.cachePrefix);
      this.state.creds = initAuthCreds();
      this.status = 'cleared';
    });
  }

  /** Waits for pending writes, then refuses further ones and drops this store's cache entries. */
  async close(): Promise<void> {
    await this.flush();
    if (this.status === 'open') this.status = 'closed';
    this.cache.deletePrefix(this.cachePrefix);
  }

  private get fsync(): boolean {
    return this.options.fsync ?? true;
  }

  private get concurrency(): number {
    return Math.max(1, this.options.writeConcurrency ?? 8);
  }

  private makeKeyStore(): SignalKeyStore {
    return {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const found: { [id: string]: SignalDataTypeMap[T] } = {};
        await Promise.all(
          ids.map(async (id) => {
            const value = await this.keyFiles.read(type, id);
            if (value !== undefined && value !== null) found[id] = value;
          }),
        );
        return found;
      },
      set: (data: SignalDataSet) => this.writeKeys(data),
    };
  }

  private writeKeys(data: SignalDataSet): Promise<void> {
    const writes: Array<[string, string, unknown]> = [];
    for (const [type, byId] of Object.entries(data)) {
      for (const [id, value] of Object.entries(byId ?? {})) writes.push([type, id, value]);
    }
    if (writes.length === 0) return Promise.resolve();
    return this.queue.run(async () => {
      await this.beginWrite();
      await forEachLimit(writes, this.concurrency, ([type, id, value]) => this.keyFiles.write(type, id, value));
      if (this.fsync) await fsyncDir(this.options.dir);
    });
  }

  /** Every write starts here: the store must be open and the fence must not have moved. */
  private async beginWrite(): Promise<void> {
    if (this.fenceError) throw this.fenceError;
    if (this.status !== 'open') throw new AuthStateClosedError(this.options.sessionId, this.status);
    if (!(await this.checkFence()) && this.fenceError) throw this.fenceError;
  }

  private markFenced(error: StaleEpochError | FenceMissingError): void {
    this.fenceError = error;
    this.status = 'fenced';
    this.cache.deletePrefix(this.cachePrefix);
    try {
      this.options.onFenced?.(error);
    } catch {
      // onFenced must not throw; a throwing callback must not mask the fencing error.
    }
  }
}

async function loadCreds(dir: string, sessionId: string): Promise<AuthenticationCreds | undefined> {
  const text = await readFileIfExists(path.join(dir, CREDS_FILE));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text, BufferJSON.reviver) as AuthenticationCreds;
  } catch (error) {
    throw new CorruptAuthStateError(sessionId, CREDS_FILE, error);
  }
}
