import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SessionRecord } from '@fleet/state';
import { RestoreInProgressError, RestoreSwapError } from '../errors';
import { listStagingDirs, readJournal, type JournalState, type RestoreJournal } from './journal';
import type { RestoreLock } from './restore-lock';
import type { SessionControl } from './session-control';
import { syncTree } from './staging-fs';
import { rollBackSessions } from './swap';

/** A restore a crash interrupted, finished by a later one. */
export interface RecoveredRestore {
  readonly snapshotId: string;
  /** How far it had got (see `JournalState`). */
  readonly state: JournalState;
  /** `rolled_back`: it was swapping; every directory it had replaced was put back. Otherwise its files were only removed. */
  readonly action: 'rolled_back' | 'cleaned_up';
  readonly sessions: number;
  /** Sessions it had stopped, started again. */
  readonly restarted: number;
}

export interface RecoverOptions {
  readonly storagePath: string;
  readonly control?: SessionControl;
  readonly stopTimeoutMs?: number;
  readonly lockTtlMs?: number;
  readonly fsync?: boolean;
}

/**
 * Finishes the restores a crash interrupted, from the journal each leaves in its staging directory:
 * one caught swapping is rolled back (`rollBackSessions`: every replaced directory put back), and the
 * sessions it had stopped are started again; then its staging directory goes. A staging directory
 * whose restore is still running (its locks are held) is left alone, as is one without a journal (a
 * dry run's). Without `control` there is no lock to tell: never run two restores of one tree then.
 */
export async function recoverInterruptedRestores(options: RecoverOptions): Promise<RecoveredRestore[]> {
  const recovered: RecoveredRestore[] = [];
  for (const dir of await listStagingDirs(options.storagePath)) {
    const journal = await readJournal(dir);
    if (!journal) continue;
    const done = await recoverOne(dir, journal, options);
    if (done) recovered.push(done);
  }
  return recovered;
}

async function recoverOne(dir: string, journal: RestoreJournal, options: RecoverOptions): Promise<RecoveredRestore | undefined> {
  const { control } = options;
  const ids = journal.sessions.map((s) => s.sessionId);
  const token = `recover-${randomBytes(4).toString('hex')}`;
  let lock: RestoreLock | undefined;
  try {
    lock = control ? await control.lock(ids, token, options.lockTtlMs) : undefined;
  } catch (error) {
    if (error instanceof RestoreInProgressError) return undefined;
    throw error;
  }
  try {
    const stopped = journal.state === 'swapping' ? await rollBack(dir, journal, token, options) : [];
    await lock?.release();
    const restart = journal.state === 'done' ? [] : [...new Set([...journal.restart, ...stopped])];
    if (control && restart.length > 0) {
      const records = [...(await control.records(restart)).values()].filter((r) => r.desired !== 'deleted');
      await control.start(records, token);
    }
    await fs.rm(dir, { recursive: true, force: true });
    const action = journal.state === 'swapping' ? 'rolled_back' : 'cleaned_up';
    return { snapshotId: journal.snapshotId, state: journal.state, action, sessions: ids.length, restarted: restart.length };
  } finally {
    await lock?.release();
  }
}

/** Stops what was started since the crash (its directory is about to move), then puts every directory back. */
async function rollBack(dir: string, journal: RestoreJournal, token: string, options: RecoverOptions): Promise<string[]> {
  let running: SessionRecord[] = [];
  if (options.control) {
    const records = await options.control.records(journal.sessions.map((s) => s.sessionId));
    running = [...records.values()].filter((r) => r.desired === 'running');
    if (running.length > 0 && (await options.control.liveWorkers()) > 0) await options.control.stop(running, token, options.stopTimeoutMs ?? 60_000);
  }
  const stranded = await rollBackSessions(options.storagePath, dir, journal.sessions);
  if (stranded.length > 0) throw new RestoreSwapError(journal.snapshotId, stranded, dir, new Error('an interrupted restore could not be put back'));
  if (options.fsync ?? true) {
    const workspaces = [...new Set(journal.sessions.map((s) => path.join(options.storagePath, `workspace_${s.workspaceId}`)))];
    await syncTree(options.storagePath, () => [...workspaces, options.storagePath]);
  }
  return running.map((r) => r.sessionId);
}
