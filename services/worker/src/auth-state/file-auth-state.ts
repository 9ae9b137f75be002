import {
  BufferJSON,
  initAuthCreds,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from 'baileys';
import type { FenceState, FileChange } from './disk-ops';
import { sharedDiskThreads, type DiskThreads } from './disk-threads';
import { AuthStateClosedError, CorruptAuthStateError, FenceMissingError, StaleEpochError } from './errors';
import { CREDS_FILE } from './file-names';
import { sharedKeyCache, type KeyCache } from './key-cache';
import { KeyFiles } from './key-files';
import { SerialQueue } from './serial-queue';

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
  /** Threads that do the file work; default the ones shared by the whole process. */
  readonly disk?: DiskThreads;
  /** Credentials for a directory that has none; default Baileys' `initAuthCreds` (a new device). */
  readonly newCreds?: () => AuthenticationCreds;
  /** Called once when a write finds the fence moved (another owner took over). Must not throw. */
  readonly onFenced?: (error: StaleEpochError | FenceMissingError) => void;
  /** Called when a key file cannot be parsed (it is then treated as missing). Must not throw. */
  readonly onCorruptKey?: (type: string, error: unknown) => void;
}

type Status = 'open' | 'fenced' | 'cleared' | 'closed';

let storeCounter = 0;

/**
 * Baileys' `AuthenticationState` on the file system: `creds.json` plus one file per Signal key,
 * every write atomic and fenced by the lease epoch. Writes run one batch at a time, in call order,
 * each batch as one operation of the I/O threads (see disk-ops); key reads are served from the cache
 * or read on the event loop.
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
    private readonly disk: DiskThreads,
    creds: AuthenticationCreds,
    keyFiles: readonly string[],
  ) {
    this.cache = options.cache ?? sharedKeyCache;
    const onCorrupt = (type: string, error: unknown): void => options.onCorruptKey?.(type, error);
    this.keyFiles = new KeyFiles(options.dir, this.cache, this.cachePrefix, onCorrupt, keyFiles);
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
    const disk = options.disk ?? sharedDiskThreads();
    const { fence, creds, keyFiles } = await disk.open(options.dir, options.epoch);
    if (fence.kind !== 'held') throw fenceMovedError(options, fence);
    const stored = creds === undefined ? undefined : parseCreds(creds, options.sessionId);
    return new FileAuthState(options, disk, stored ?? (options.newCreds ?? initAuthCreds)(), keyFiles);
  }

  get epoch(): number {
    return this.options.epoch;
  }

  /** A new store over the same directory and epoch, with the same options (after this one was closed). */
  reopen(): Promise<FileAuthState> {
    return FileAuthState.open(this.options);
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
      this.assertWritable();
      await this.commit([{ name: CREDS_FILE, text: JSON.stringify(this.state.creds, BufferJSON.replacer) }]);
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
    const fence = await this.disk.check(this.options.dir, this.options.epoch);
    if (fence.kind === 'held') return true;
    this.markFenced(fenceMovedError(this.options, fence));
    return false;
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
      this.assertWritable();
      this.refuseUnlessHeld(await this.disk.clear(this.options.dir, this.options.epoch));
      this.keyFiles.forgetNames();
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
      this.assertWritable();
      const prepared = this.keyFiles.prepare(writes);
      try {
        await this.commit(prepared.changes);
      } catch (error) {
        this.keyFiles.forgetNames();
        throw error;
      }
      this.keyFiles.committed(prepared);
    });
  }

  /** Every write starts here: the store must be open and not fenced off. */
  private assertWritable(): void {
    if (this.fenceError) throw this.fenceError;
    if (this.status !== 'open') throw new AuthStateClosedError(this.options.sessionId, this.status);
  }

  /** Writes one batch (the fence is checked first, on the I/O thread); refused once the fence moved. */
  private async commit(changes: FileChange[]): Promise<void> {
    const { dir, epoch } = this.options;
    this.refuseUnlessHeld(await this.disk.write({ dir, epoch, fsync: this.fsync, changes }));
  }

  private refuseUnlessHeld(fence: FenceState): void {
    if (fence.kind === 'held') return;
    const error = fenceMovedError(this.options, fence);
    this.markFenced(error);
    throw error;
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

function parseCreds(text: string, sessionId: string): AuthenticationCreds {
  try {
    return JSON.parse(text, BufferJSON.reviver) as AuthenticationCreds;
  } catch (error) {
    throw new CorruptAuthStateError(sessionId, CREDS_FILE, error);
  }
}

function fenceMovedError(options: Pick<FileAuthStateOptions, 'sessionId' | 'epoch'>, fence: Exclude<FenceState, { kind: 'held' }>): StaleEpochError | FenceMissingError {
  return fence.kind === 'stale' ? new StaleEpochError(options.sessionId, options.epoch, fence.current) : new FenceMissingError(options.sessionId);
}
