import { hash } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync, type Dirent } from 'node:fs';
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
 * temporary files and files that vanish while we read (a deleted key) are skipped. Synchronous
 * calls: a session is a few dozen small files, read in well under a millisecond, and a
 * promise-based read costs four thread-pool round trips per file (measured: 3x slower over
 * 129,000 files).
 */
export function readSessionFiles(dir: string): ReadFile[] {
  const files: ReadFile[] = [];
  for (const name of readDirSyncOrEmpty(dir)
    .filter((e) => e.isFile() && isArchivableFileName(e.name))
    .map((e) => e.name)
    .sort()) {
    const data = readFileOrUndefined(path.join(dir, name));
    if (data) files.push({ name, data, sha256: hash('sha256', data) });
  }
  return files;
}

function readFileOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function readDirSyncOrEmpty(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The epoch recorded in a session's fence file, or null. */
export function epochOf(files: readonly ReadFile[]): number | null {
  const fence = files.find((file) => file.name === FENCE_FILE);
  const value = fence ? Number.parseInt(fence.data.toString('utf8').trim(), 10) : NaN;
  return Number.isSafeInteger(value) ? value : null;
}

async function readDirOrEmpty(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
