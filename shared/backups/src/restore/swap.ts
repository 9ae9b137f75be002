import { promises as fs } from 'node:fs';
import path from 'node:path';
import { assertSessionId, assertWorkspaceId } from '@fleet/errors';
import type { ManifestSession } from '../snapshot/manifest';
import { FENCE_FILE } from '../snapshot/tree';
import { eachLimited, mapLimited } from './limited';
import { syncTree } from './staging-fs';

/** Sessions swapped (or put back) at once (each is two renames). */
const SWAP_LANES = 16;

/** Where a swap puts the directories it replaces, inside the staging directory. */
export const REPLACED_DIR = '.replaced';

type SessionRef = Pick<ManifestSession, 'workspaceId' | 'sessionId'>;

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
  /** Sessions whose staged `.epoch` was rewritten after staging (raised fences): synced with the rest. */
  readonly fencesWritten?: ReadonlySet<string>;
  readonly onProgress?: (done: number, total: number) => void;
}

/** A swap that failed; `stranded` are the sessions that could not be put back as they were. */
export class SwapFailure extends Error {
  override readonly name = 'SwapFailure';

  constructor(
    override readonly cause: unknown,
    readonly stranded: readonly string[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Moves each verified session directory from staging into the tree with renames (same file system):
 * the current directory, if any, is first moved aside into `<staging>/.replaced`, so each session's
 * directory is always the old one, the restored one, or (between the two renames) absent with the
 * old one aside. Nothing is deleted here. When a rename fails, every session is put back
 * (`rollBackSessions`) and `SwapFailure` is thrown. Sessions not in the list and other workspaces are
 * not touched. Returns the ids whose directory existed before.
 */
export async function swapSessions(
  storagePath: string,
  stagingDir: string,
  sessions: readonly ManifestSession[],
  options: SwapOptions = {},
): Promise<Set<string>> {
  const replaced = new Set<string>();
  const aside = path.join(stagingDir, REPLACED_DIR);
  const workspaces = [...new Set(sessions.map((s) => s.workspaceId))];
  const targetDirs = workspaces.map((id) => path.join(storagePath, `workspace_${assertWorkspaceId(id)}`));
  const sync = (): Promise<void> =>
    (options.fsync ?? true) ? syncTree(storagePath, () => syncList(storagePath, sessions, targetDirs, options.fencesWritten)) : Promise.resolve();
  let done = 0;
  try {
    for (const dir of targetDirs) await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    for (const id of workspaces) await fs.mkdir(path.join(aside, `workspace_${id}`), { recursive: true, mode: 0o700 });
    await eachLimited(sessions, SWAP_LANES, async (session) => {
      if (await renameIfPresent(sessionPath(storagePath, session.workspaceId, session.sessionId), sessionPath(aside, session.workspaceId, session.sessionId))) {
        replaced.add(session.sessionId);
      }
      await fs.rename(sessionPath(stagingDir, session.workspaceId, session.sessionId), sessionPath(storagePath, session.workspaceId, session.sessionId));
      done += 1;
      if (done % 100 === 1 || done === sessions.length) options.onProgress?.(done, sessions.length);
    });
  } catch (error) {
    const stranded = await rollBackSessions(storagePath, stagingDir, sessions);
    await sync().catch(() => undefined);
    throw new SwapFailure(error, stranded);
  }
  await sync();
  return replaced;
}

/**
 * Puts every session back as it was before a swap, judging each from what is on disk (so it works
 * the same in the process that failed and after a crash): a restored directory in place goes back to
 * staging, then the replaced one comes back from `.replaced`. Never deletes anything and never
 * overwrites a directory it did not put there. Returns the ids that could not be put back (their
 * previous directories stay in `.replaced`).
 */
export async function rollBackSessions(storagePath: string, stagingDir: string, sessions: readonly SessionRef[]): Promise<string[]> {
  const stranded = await mapLimited(sessions, SWAP_LANES, async (session) => {
    try {
      return (await rollBackSession(storagePath, stagingDir, session)) ? undefined : session.sessionId;
    } catch {
      return session.sessionId;
    }
  });
  return stranded.filter((id): id is string => id !== undefined);
}

async function rollBackSession(storagePath: string, stagingDir: string, session: SessionRef): Promise<boolean> {
  const live = sessionPath(storagePath, session.workspaceId, session.sessionId);
  const staged = sessionPath(stagingDir, session.workspaceId, session.sessionId);
  const aside = sessionPath(path.join(stagingDir, REPLACED_DIR), session.workspaceId, session.sessionId);
  let liveExists = await exists(live);
  // The staged copy gone and a directory in place: the swap moved the restored one in. Back it goes.
  if (liveExists && !(await exists(staged))) {
    await fs.mkdir(path.dirname(staged), { recursive: true, mode: 0o700 });
    await fs.rename(live, staged);
    liveExists = false;
  }
  if (!(await exists(aside))) return true;
  // The old directory is aside; a directory in its place now is none the swap made: leave both.
  if (liveExists) return false;
  await fs.rename(aside, live);
  return true;
}

/** Renames `from` to `to`; false when `from` does not exist. */
async function renameIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await fs.rename(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function exists(target: string): Promise<boolean> {
  return fs.lstat(target).then(
    () => true,
    () => false,
  );
}

/** What the fallback sync (no `sync -f`) must fsync: rewritten fences, the session directories, their parents. */
function syncList(storagePath: string, sessions: readonly SessionRef[], targetDirs: readonly string[], fencesWritten?: ReadonlySet<string>): string[] {
  const dirs = sessions.map((s) => sessionPath(storagePath, s.workspaceId, s.sessionId));
  const fences = sessions
    .filter((s) => fencesWritten?.has(s.sessionId))
    .map((s) => path.join(sessionPath(storagePath, s.workspaceId, s.sessionId), FENCE_FILE));
  return [...fences, ...dirs, ...targetDirs, storagePath];
}
