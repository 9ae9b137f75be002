import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';

/** Paths per `chattr` invocation (well under any argument-length limit). */
const CHATTR_BATCH = 256;
/** fsyncs in flight when the file system cannot be synced as a whole. */
const FSYNC_LANES = 32;

/**
 * Asks the file system to place each new subdirectory of `dirs` in the block group with the
 * fewest directories (ext4's Orlov "top of a directory hierarchy" hint, `chattr +T`), instead of
 * next to its parent. Why: ext4 without a journal never reuses an inode freed in the last minutes
 * while another is free, and checks that by stepping over every recently freed inode of the
 * group, once per new file. Right after a tree of 100,000 files was deleted (the drill, or an
 * operator's `rm -rf`), creating the restored tree in the same groups costs O(n²): measured 20-60 s
 * for 129,000 files on a 2-core VM, against 3-5 s when the session directories are spread over
 * other groups. Best effort: without `chattr` or on another file system nothing changes.
 */
export async function spreadSubdirectories(dirs: readonly string[]): Promise<void> {
  for (let i = 0; i < dirs.length; i += CHATTR_BATCH) {
    await new Promise<void>((resolve) => execFile('chattr', ['+T', ...dirs.slice(i, i + CHATTR_BATCH)], () => resolve()));
  }
}

/**
 * Makes everything written under `dir` durable: one `sync -f` (syncfs of the file system holding
 * it: data, inodes and directories in one pass, ~0.5 s for 40,000 new files where an fsync per
 * file takes ~4 s), or, where that is unavailable, an fsync of each of `fallback` (files first,
 * then each directory once), `FSYNC_LANES` at a time.
 */
export async function syncTree(dir: string, fallback: () => readonly string[]): Promise<void> {
  const synced = await new Promise<boolean>((resolve) => execFile('sync', ['-f', dir], (error) => resolve(!error)));
  if (!synced) await fsyncEach(fallback());
}

/** fsyncs each path (file or directory) once, `FSYNC_LANES` at a time. */
export async function fsyncEach(paths: readonly string[]): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < paths.length) {
      const handle = await fs.open(paths[next++]!, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FSYNC_LANES, paths.length) }, lane));
}
