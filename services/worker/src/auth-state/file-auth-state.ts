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
import type { CompactionBounds, JournalEntry } from './journal';
import { KeyFiles } from './key-files';
import { SerialQueue } from './serial-queue';

export interface FileAuthStateOptions {
  /** The session directory (`sessionStorageDir(...)`); created when missing. */
  readonly dir: string;
  /** Used in errors and logs only. */
  readonly sessionId: string;
  /** Fencing epoch of the lease this run holds (a positive integer). */
  readonly epoch: number;
  /** fdatasync the key journal after each append (and fsync what a compaction writes). Default true. */
  readonly fsync?: boolean;
  /**
   * Size at which the key journal is compacted (by the batch that reaches it); bounds the journal and
   * the keys held in memory. 0 compacts every batch. Default 128 KiB.
   */
  readonly journalMaxBytes?: number;
  /**
   * Compaction rewrites the journal as its values when they fit in this many bytes (the keys stay in
   * memory), else writes them into the key files (see journal.ts). Default half of `journalMaxBytes`.
   */
  readonly journalKeepBytes?: number;
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
 * Default `journalMaxBytes`. A message journals the Signal session record of its contact (1.5-4 KiB):
 * a session writing to a dozen or two contacts keeps their records in the journal, rewritten every few
 * dozen messages, instead of an atomic key file per message. It bounds the keys held in memory per
 * session: 128 KiB, half of that after a compaction that kept them.
 */
export const DEFAULT_JOURNAL_MAX_BYTES = 128 * 1024;

/** The journal's bounds of `options`, defaults filled in; a RangeError names a bad one. */
function journalBoundsOf(options: FileAuthStateOptions): CompactionBounds {
  const maxBytes = options.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`journalMaxBytes must be a non-negative integer, got ${String(maxBytes)}`);
  const keepBytes = options.journalKeepBytes ?? Math.floor(maxBytes / 2);
  // At most half: a rewritten journal then always has room for as much again before the next compaction.
  if (!Number.isSafeInteger(keepBytes) || keepBytes < 0 || keepBytes > maxBytes / 2) {
    throw new RangeError(`journalKeepBytes must be an integer from 0 to half of journalMaxBytes (${maxBytes}), got ${String(keepBytes)}`);
  }
  return { maxBytes, keepBytes };
}

/**
 * Baileys' `AuthenticationState` on the file system: `creds.json` plus one file per Signal key,
 * every write atomic and fenced by the lease epoch. Key batches and credentials are appended to the
 * directory's journal and compacted into `creds.json` and the key files now and then (see
 * journal.ts). Writes run one batch at a time, in call order,
 * each batch as one operation of the I/O threads (see disk-ops); key reads are served from the cache
 * or read on the event loop.
 *
 * Key writes are staged first (visible to every read at once, see KeyFiles) and written in batches: at
 * once outside a transaction; at the end of the outermost transaction inside one; and whenever the
 * socket is about to send a frame (`whenDurable`), so no frame ever leaves before the Signal state
 * that produced it is on disk. Transactions here replace Baileys' own (`addTransactionCapability`),
 * which drops the writes of a transaction that starts and ends while another commits.
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
  private keysQueued: Promise<void> | undefined;
  private transactionDepth = 0;

  private constructor(
    private readonly options: FileAuthStateOptions,
    private readonly disk: DiskThreads,
    /** When a write compacts the journal (resolved and checked by `open`). */
    private readonly journalBounds: CompactionBounds,
    creds: AuthenticationCreds,
    keyFiles: readonly string[],
    journal: readonly JournalEntry[],
  ) {
    this.cache = options.cache ?? sharedKeyCache;
    const onCorrupt = (type: string, error: unknown): void => options.onCorruptKey?.(type, error);
    this.keyFiles = new KeyFiles(options.dir, this.cache, this.cachePrefix, onCorrupt, keyFiles, journal);
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
    const bounds = journalBoundsOf(options);
    const { fence, creds, keyFiles, journal } = await disk.open(options.dir, options.epoch);
    if (fence.kind !== 'held') throw fenceMovedError(options, fence);
    const stored = creds === undefined ? undefined : parseCreds(creds, options.sessionId);
    return new FileAuthState(options, disk, bounds, stored ?? (options.newCreds ?? initAuthCreds)(), keyFiles, journal);
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
      if (await this.commit([{ name: CREDS_FILE, text: JSON.stringify(this.state.creds, BufferJSON.replacer) }])) this.keyFiles.journalCompacted();
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

  /** Writes the staged keys and resolves once every write requested so far has finished (successfully or not). */
  async flush(): Promise<void> {
    await this.flushKeys().catch(() => undefined);
    await this.queue.idle();
  }

  /**
   * Removes the credentials and every key (logout, 401). The fence stays, so epochs keep growing.
   * The store refuses writes afterwards; open a new one to pair again.
   */
  clear(): Promise<void> {
    return this.queue.run(async () => {
      this.assertWritable();
      this.refuseUnlessHeld(await this.disk.clear(this.options.dir, this.options.epoch));
      this.keyFiles.dropStaged();
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

  /** Whether some write (a staged key, the credentials) is not on disk yet. */
  get hasPendingWrites(): boolean {
    return this.keyFiles.stagedCount > 0 || this.credsQueued !== undefined || this.queue.busy;
  }

  /**
   * Resolves once every write requested so far is on disk (staged keys are written now, even inside a
   * transaction); rejects when one of them failed. Undefined when nothing is pending: no tick lost.
   */
  whenDurable(): Promise<void> | undefined {
    if (!this.hasPendingWrites) return undefined;
    const keys = this.flushKeys();
    return Promise.all([keys, this.queue.idle()]).then(() => undefined);
  }

  /**
   * Runs `work` as one transaction: its key writes are visible at once and written in one batch when
   * the outermost transaction ends, whether `work` succeeded or not (a Signal state that advanced must
   * be kept: a skipped counter is harmless, a reused one is not). Nested calls join the outer one.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    this.transactionDepth += 1;
    let result: T;
    try {
      result = await work();
    } catch (error) {
      if (--this.transactionDepth === 0) await this.flushKeys().catch(() => undefined);
      throw error;
    }
    if (--this.transactionDepth === 0) await this.flushKeys();
    return result;
  }

  get isInTransaction(): boolean {
    return this.transactionDepth > 0;
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

  /** Stages the writes; writes them now unless a transaction is open (its end writes them). */
  private writeKeys(data: SignalDataSet): Promise<void> {
    const writes: Array<[string, string, unknown]> = [];
    for (const [type, byId] of Object.entries(data)) {
      for (const [id, value] of Object.entries(byId ?? {})) writes.push([type, id, value]);
    }
    if (writes.length === 0) return Promise.resolve();
    try {
      this.assertWritable();
    } catch (error) {
      return Promise.reject(error);
    }
    this.keyFiles.stage(writes);
    return this.isInTransaction ? Promise.resolve() : this.flushKeys();
  }

  /**
   * Writes every staged key not yet written, as one batch; calls made while one is waiting share it
   * (group commit). A failed batch leaves its keys staged for the next.
   */
  private flushKeys(): Promise<void> {
    if (this.keysQueued) return this.keysQueued;
    const queued = this.queue.run(async () => {
      this.keysQueued = undefined;
      const batch = this.keyFiles.takeBatch();
      if (!batch) return;
      let compacted: boolean;
      try {
        this.assertWritable();
        compacted = await this.commit(batch.changes);
      } catch (error) {
        this.keyFiles.failed(batch);
        throw error;
      }
      this.keyFiles.committed(batch, compacted);
    });
    this.keysQueued = queued;
    return queued;
  }

  /** Every write starts here: the store must be open and not fenced off. */
  private assertWritable(): void {
    if (this.fenceError) throw this.fenceError;
    if (this.status !== 'open') throw new AuthStateClosedError(this.options.sessionId, this.status);
  }

  /**
   * Appends one batch (keys, or the credentials) to the journal, after the fence check on the I/O
   * thread; refused once the fence moved. True when the journal was compacted into the files.
   */
  private async commit(changes: FileChange[]): Promise<boolean> {
    const { dir, epoch } = this.options;
    const result = await this.disk.write({ dir, epoch, fsync: this.fsync, changes, journal: this.journalBounds });
    this.refuseUnlessHeld(result);
    return result.kind === 'held' && result.compacted === true;
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

function fenceMovedError(
  options: Pick<FileAuthStateOptions, 'sessionId' | 'epoch'>,
  fence: Exclude<FenceState, { kind: 'held' }>,
): StaleEpochError | FenceMissingError {
  return fence.kind === 'stale' ? new StaleEpochError(options.sessionId, options.epoch, fence.current) : new FenceMissingError(options.sessionId);
}
