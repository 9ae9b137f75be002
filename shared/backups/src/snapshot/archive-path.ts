import { isValidSessionId, isValidWorkspaceId } from '@fleet/errors';

/** File names a session directory may hold: what the auth state writes (`creds.json`, `.epoch`, `keys.journal`, encoded key files). */
const FILE_NAME_PATTERN = /^[A-Za-z0-9._%~#-]{1,255}$/;
const ENTRY_PATTERN = /^workspace_(\d{1,10})\/([^/]+)\/([^/]+)$/;
/** Temporary files of the atomic writer: `.<name>.<unique>.tmp`. Never archived, never restored. */
const TEMP_FILE_PATTERN = /^\..*\.tmp$/;

export interface ParsedEntryPath {
  readonly workspaceId: number;
  readonly sessionId: string;
  readonly name: string;
}

export function isWorkspaceDirName(name: string): number | undefined {
  const match = /^workspace_(\d{1,10})$/.exec(name);
  const id = match ? Number(match[1]) : NaN;
  return match && String(id) === match[1] && isValidWorkspaceId(id) ? id : undefined;
}

/** True for a file of a session directory that belongs in a snapshot. */
export function isArchivableFileName(name: string): boolean {
  return FILE_NAME_PATTERN.test(name) && name !== '.' && name !== '..' && !TEMP_FILE_PATTERN.test(name);
}

/**
 * Parses an archive path of the only accepted shape, `workspace_<id>/<session_id>/<file>`, or
 * returns why it is refused: absolute paths, `..`, other depths, invalid ids and odd names all are.
 */
export function parseEntryPath(path: string): ParsedEntryPath | string {
  const match = ENTRY_PATTERN.exec(path);
  if (!match) return 'not of the shape workspace_<id>/<session_id>/<file>';
  const [, ws, sessionId, name] = match as unknown as [string, string, string, string];
  const workspaceId = isWorkspaceDirName(`workspace_${ws}`);
  if (workspaceId === undefined) return 'invalid workspace id';
  if (!isValidSessionId(sessionId)) return 'invalid session id';
  if (!isArchivableFileName(name)) return 'invalid file name';
  return { workspaceId, sessionId, name };
}
