import { promises as fs } from 'node:fs';
import path from 'node:path';
import { assertSessionId, assertWorkspaceId } from '@fleet/errors';
import type { ManifestSession } from '../snapshot/manifest';

/** `root/workspace_<id>/<session_id>`, both ids validated and the result checked to stay inside `root`. */
export function sessionPath(root: string, workspaceId: number, sessionId: string): string {
  const base = path.resolve(root);
  const dir = path.resolve(base, `workspace_${assertWorkspaceId(workspaceId)}`, assertSessionId(sessionId));
  if (path.dirname(path.dirname(dir)) !== base) throw new Error(`session directory escapes ${base}`);
  return dir;
}

/**
 * Moves each verified session directory from staging into the tree with renames (same file
 * system): the current directory, if any, is moved aside into staging first, so a session's
 * directory is always either the old one or the restored one. Sessions not in the list and other
 * workspaces are not touched. Returns the ids whose directory existed before.
 */
export async function swapSessions(
  storagePath: string,
  stagingDir: string,
  sessions: readonly ManifestSession[],
  onProgress?: (done: number, total: number) => void,
): Promise<Set<string>> {
  const replaced = new Set<string>();
  const aside = path.join(stagingDir, '.replaced');
  for (const [index, session] of sessions.entries()) {
    const target = sessionPath(storagePath, session.workspaceId, session.sessionId);
    const staged = sessionPath(stagingDir, session.workspaceId, session.sessionId);
    await fs.mkdir(staged, { recursive: true, mode: 0o700 });
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    const old = sessionPath(aside, session.workspaceId, session.sessionId);
    try {
      await fs.mkdir(path.dirname(old), { recursive: true });
      await fs.rename(target, old);
      replaced.add(session.sessionId);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await fs.rename(staged, target);
    if (index % 100 === 0 || index === sessions.length - 1) onProgress?.(index + 1, sessions.length);
  }
  return replaced;
}
