import path from 'node:path';
import { assertSessionId, assertWorkspaceId, InvalidIdError, SESSION_ID_PATTERN } from '@fleet/errors';

export { SESSION_ID_PATTERN, InvalidIdError };

/**
 * Validates the ids and returns `root/workspace_<workspaceId>/<sessionId>` as an absolute path.
 * Throws `InvalidIdError` (code `INVALID_ID`) unless `workspaceId` is a positive integer and
 * `sessionId` matches `SESSION_ID_PATTERN`; the result is checked to lie strictly inside `root`.
 */
export function sessionStorageDir(root: string, workspaceId: unknown, sessionId: unknown): string {
  const ws = assertWorkspaceId(workspaceId);
  const sid = assertSessionId(sessionId);
  const base = path.resolve(root);
  const dir = path.resolve(base, `workspace_${ws}`, sid);
  if (path.dirname(path.dirname(dir)) !== base) throw new InvalidIdError('session_id', sid);
  return dir;
}
