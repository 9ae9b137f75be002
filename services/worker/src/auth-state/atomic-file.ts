import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Suffix of every temporary file; `removeTempFiles` deletes leftovers of crashed writers. */
export const TEMP_SUFFIX = '.tmp';

export interface AtomicWriteOptions {
  /** fsync the temporary file before the rename. Default true. */
  readonly fsync?: boolean;
  /** fsync the directory after the rename so the new name itself survives a power loss. Default false. */
  readonly fsyncDir?: boolean;
  /** File mode of the new file. Default 0o600 (the files hold private keys). */
  readonly mode?: number;
  /** Test hook run between the complete temporary file and the rename. */
  readonly beforeRename?: (tempPath: string) => void | Promise<void>;
}

let tempCounter = 0;

function tempPathFor(file: string): string {
  tempCounter = (tempCounter + 1) % Number.MAX_SAFE_INTEGER;
  const unique = `${process.pid}.${tempCounter}.${randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(file), `.${path.basename(file)}.${unique}${TEMP_SUFFIX}`);
}

/**
 * Writes `data` to `file` so that a reader (or a crash) sees either the old or the new content,
 * never a mix: temporary file in the same directory, optional fsync, rename over the target.
 */
export async function writeFileAtomic(file: string, data: string, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempPathFor(file);
  try {
    const handle = await fs.open(temp, 'wx', options.mode ?? 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      if (options.fsync ?? true) await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.beforeRename) await options.beforeRename(temp);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  if (options.fsyncDir ?? false) await fsyncDir(path.dirname(file));
}

/** fsync a directory so renames and unlinks in it are durable. A no-op where unsupported. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!isIgnorableDirSyncError(error)) throw error;
  } finally {
    await handle?.close();
  }
}

function isIgnorableDirSyncError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EBADF';
}

/** The file's text, or undefined when it does not exist. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes a file; a missing file is not an error. */
export async function removeFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

/** Deletes temporary files left in `dir` by writers that crashed between write and rename. */
export async function removeTempFiles(dir: string): Promise<number> {
  const names = await fs.readdir(dir);
  const stale = names.filter((name) => name.startsWith('.') && name.endsWith(TEMP_SUFFIX));
  await Promise.all(stale.map((name) => removeFile(path.join(dir, name))));
  return stale.length;
}
