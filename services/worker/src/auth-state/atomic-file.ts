import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, promises as fs, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

/** Suffix of every temporary file; `removeTempFilesSync` deletes leftovers of crashed writers. */
export const TEMP_SUFFIX = '.tmp';

export interface AtomicWriteOptions {
  /** fsync the temporary file before the rename. Default true. */
  readonly fsync?: boolean;
  /** fsync the directory after the rename so the new name itself survives a power loss. Default false. */
  readonly fsyncDir?: boolean;
  /** File mode of the new file. Default 0o600 (the files hold private keys). */
  readonly mode?: number;
  /** Test hook run between the complete temporary file and the rename. */
  readonly beforeRename?: (tempPath: string) => void;
}

let tempCounter = 0;

function tempPathFor(file: string): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  const unique = `${process.pid}.${threadId}.${tempCounter}.${randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(file), `.${path.basename(file)}.${unique}${TEMP_SUFFIX}`);
}

/**
 * Writes `data` to `file` so that a reader (or a crash) sees either the old or the new content,
 * never a mix: temporary file in the same directory, optional fsync, rename over the target.
 * Synchronous: it runs on the auth state's I/O threads (see DiskThreads), never on the event loop.
 */
export function writeFileAtomicSync(file: string, data: string | Buffer, options: AtomicWriteOptions = {}): void {
  const temp = tempPathFor(file);
  try {
    const fd = openSync(temp, 'wx', options.mode ?? 0o600);
    try {
      writeAllSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      if (options.fsync ?? true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    options.beforeRename?.(temp);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (options.fsyncDir ?? false) fsyncDirSync(path.dirname(file));
}

/**
 * Writes every byte of `bytes`: write(2) may write less than asked (a file-size limit, a full disk or
 * quota, NFS) and say so only by its count. A write that makes no progress throws.
 */
export function writeAllSync(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) {
    const written = writeSync(fd, bytes, offset, bytes.length - offset);
    if (written <= 0) throw Object.assign(new Error(`short write: ${offset} of ${bytes.length} bytes`), { code: 'EIO' });
    offset += written;
  }
}

/** fsync a directory so renames and unlinks in it are durable. A no-op where unsupported. */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (!isIgnorableDirSyncError(error)) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isIgnorableDirSyncError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EBADF';
}

/**
 * Deletes temporary files left in `dir` by writers that crashed between write and rename; `names` is
 * the directory's listing when the caller already has it.
 */
export function removeTempFilesSync(dir: string, names: readonly string[] = readdirSync(dir)): number {
  const stale = names.filter((name) => name.startsWith('.') && name.endsWith(TEMP_SUFFIX));
  for (const name of stale) rmSync(path.join(dir, name), { force: true });
  return stale.length;
}

/** Reused by `readFileIfExistsSync`, which is synchronous: no two reads use it at once. */
const smallRead = Buffer.allocUnsafe(512);

/**
 * The file's text, or undefined when it does not exist (on an I/O thread, see disk-ops). A small file
 * (the fence, read before every write batch) is an open, one read and a close, where `readFileSync`
 * reads a second time to see the end; one that fills the buffer is read whole.
 */
export function readFileIfExistsSync(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const read = readSync(fd, smallRead, 0, smallRead.length, 0);
    return read < smallRead.length ? smallRead.toString('utf8', 0, read) : readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** The file's text, or undefined when it does not exist (reads stay on the event loop: rare, cached). */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
