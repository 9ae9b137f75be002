import { promises as fs } from 'node:fs';
import path from 'node:path';
import { assertSessionId, assertWorkspaceId } from '@fleet/errors';
import type { ManifestSession } from '../snapshot/manifest';
import { eachLimited } from './limited';
import { syncTree } from './staging-fs';

/** Sessions swapped at once (each swap is two renames). */
const SWAP_LANES = 16;

/** `root/workspace_<id>/<session_id>`, both ids validated and the result checked to stay inside `root`. */
export function sessionPath(root: string, workspaceId: number, sessionId: string): string {
  const base = path.resolve(root);
  const dir = path.resolve(base, `workspace_${assertWorkspaceId(workspaceId)}`, assertSessionId(sessionId));
  if (path.dirname(path.dirname(dir)) !== base) throw new Error(`session directory escapes ${base}`);
  return dir;
}

export interface SwapOptions {
  /** Make the renames durable before returning (syncfs, or an fsync of each directory they touched). Default true. */
  readonly fsync?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Moves each verified session directory from staging (where `stageSnapshot` made one for every
 * session) into the tree with renames (same file system): the current directory, if any, is
 * moved aside into staging first, so a session's directory is always either the old one or the
 * restored one. Sessions not in the list and other workspaces are not touched. Sessions are
 * independent, so `SWAP_LANES` of them are swapped at once. Returns the ids whose directory
 * existed before.
 */
export async function swapSessions(
  storagePath: string,
  stagingDir: string,
  sessions: readonly ManifestSession[],
  options: SwapOptions = {},
): Promise<Set<string>> {
  const replaced = new Set<string>();
  const aside = path.join(stagingDir, '.replaced');
  const workspaces = [...new Set(sessions.map((s) => s.workspaceId))];
  const targetDirs = workspaces.map((id) => path.join(storagePath, `workspace_${assertWorkspaceId(id)}`));
  for (const dir of targetDirs) await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  for (const id of workspaces) await fs.mkdir(path.join(aside, `workspace_${id}`), { recursive: true, mode: 0o700 });
  let done = 0;
  await eachLimited(sessions, SWAP_LANES, async (session) => {
    const target = sessionPath(storagePath, session.workspaceId, session.sessionId);
    try {
      await fs.rename(target, sessionPath(aside, session.workspaceId, session.sessionId));
      replaced.add(session.sessionId);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await fs.rename(sessionPath(stagingDir, session.workspaceId, session.sessionId), target);
    done += 1;
    if (done % 100 === 1 || done === sessions.length) options.onProgress?.(done, sessions.length);
  });
  if (options.fsync ?? true) {
    await syncTree(storagePath, () => [...sessions.map((s) => sessionPath(storagePath, s.workspaceId, s.sessionId)), ...targetDirs, storagePath]);
  }
  return replaced;
}

