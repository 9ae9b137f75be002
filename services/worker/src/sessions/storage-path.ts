import path from 'node:path';
import { assertSessionId, assertWorkspaceId } from '@fleet/errors';

/**
 * `SESSION_STORAGE_PATH/workspace_<id>/<session_id>/`. Both ids are validated, and the result is
 * checked to stay inside the root, so no request can reach a path outside it.
 */
export function sessionDir(root: string, workspaceId: number, sessionId: string): string {
  const base = path.resolve(root);
  const dir = path.resolve(base, `workspace_${assertWorkspaceId(workspaceId)}`, assertSessionId(sessionId));
  if (!dir.startsWith(base + path.sep)) throw new Error(`session directory escapes ${base}`);
  return dir;
}
