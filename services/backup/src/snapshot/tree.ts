import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isValidSessionId } from '@fleet/errors';
import { isArchivableFileName, isWorkspaceDirName } from './archive-path';

/** The fencing file of a session directory (written by the worker's auth state). */
export const FENCE_FILE = '.epoch';

export interface SessionDirRef {
  readonly workspaceId: number;
  readonly sessionId: string;
  readonly dir: string;
}

export interface ReadFile {
  readonly name: string;
  readonly data: Buffer;
  readonly sha256: string;
}

/** Session directories of the tree (`workspace_<id>/<session_id>/`), sorted; anything else is ignored. */
export async function listSessionDirs(root: string, onlyWorkspace?: number): Promise<SessionDirRef[]> {
  const found: SessionDirRef[] = [];
  for (const entry of await readDirOrEmpty(root)) {
    const workspaceId = entry.isDirectory() ? isWorkspaceDirName(entry.name) : undefined;
    if (workspaceId === undefined || (onlyWorkspace !== undefined && workspaceId !== onlyWorkspace)) continue;
    const wsDir = path.join(root, entry.name);
    for (const session of await readDirOrEmpty(wsDir)) {
      if (session.isDirectory() && isValidSessionId(session.name)) {
        found.push({ workspaceId, sessionId: session.name, dir: path.join(wsDir, session.name) });
      }
    }
  }
  return found.sort((a, b) => a.workspaceId - b.workspaceId || a.sessionId.localeCompare(b.sessionId));
}

/**
 * Reads every file of a session directory once, into memory, and hashes exactly those bytes.
 * Files are replaced by rename, so each read sees a whole old or a whole new version, never a mix;
 * temporary files and files that vanish while we read (a deleted key) are skipped.
 */
export async function readSessionFiles(dir: string, concurrency = 16): Promise<ReadFile[]> {
  const names = (await readDirOrEmpty(dir)).filter((e) => e.isFile() && isArchivableFileName(e.name)).map((e) => e.name).sort();
  const files: Array<ReadFile | undefined> = new Array(names.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < names.length) {
      const index = next++;
      const name = names[index]!;
      const data = await fs.readFile(path.join(dir, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (data) files[index] = { name, data, sha256: createHash('sha256').update(data).digest('hex') };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, lane));
  return files.filter((file): file is ReadFile => file !== undefined);
}

/** The epoch recorded in a session's fence file, or null. */
export function epochOf(files: readonly ReadFile[]): number | null {
  const fence = files.find((file) => file.name === FENCE_FILE);
  const value = fence ? Number.parseInt(fence.data.toString('utf8').trim(), 10) : NaN;
  return Number.isSafeInteger(value) ? value : null;
}

async function readDirOrEmpty(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
