import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary directory; remove it with `removeTempDir`. */
export async function makeTempDir(prefix = 'fleet-auth-state-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeTempDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

/** Awaits a promise that must reject and returns its error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the promise to reject, it resolved');
}

/** Every file under `dir`, recursively, as paths relative to it. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
