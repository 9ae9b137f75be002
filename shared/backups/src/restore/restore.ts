import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RestoreScopeError, UnsafeArchiveEntryError } from '../errors';
import type { SnapshotStore } from '../s3/snapshot-store';
import { isArchivableFileName } from '../snapshot/archive-path';
import { entryPath, type ManifestSession, type SnapshotManifest } from '../snapshot/manifest';
import { STAGING_PREFIX } from './journal';
import { recoverInterruptedRestores, type RecoveredRestore } from './recover';
import { RestoreRun } from './restore-run';
import type { SessionControl, SessionOutcome } from './session-control';
import { stageSnapshot } from './stage';
import { sessionPath } from './swap';

export type RestorePhase = 'recover' | 'download' | 'stop' | 'swap' | 'start';

export interface RestoreProgress {
  readonly phase: RestorePhase;
  readonly done: number;
  readonly total: number;
  readonly detail?: string;
}

export interface RestoreOptions {
  readonly store: SnapshotStore;
  readonly snapshotId: string;
  readonly storagePath: string;
  /** Restore only this workspace; the others are not touched. */
  readonly workspaceId?: number;
  /** Download and verify everything, change nothing. */
  readonly dryRun?: boolean;
  /**
   * The fleet's side (Redis): locks the sessions against starts while the restore runs, reads their
   * records' epochs (the restored fences go above them), stops them before their files are replaced
   * and starts them after. Without it only files change (no lock: never run two restores then).
   */
  readonly control?: SessionControl;
  /** With `control`: lock and fence as usual, but neither stop nor start sessions (the fleet is down). */
  readonly filesOnly?: boolean;
  /** How long to wait for stop jobs. Default 60 s. */
  readonly stopTimeoutMs?: number;
  /** How long to wait for restarted sessions to settle. Default 120 s. */
  readonly waitMs?: number;
  /** Expiry of the sessions' restore locks, refreshed while the restore runs. Default 30 s. */
  readonly lockTtlMs?: number;
  readonly fsync?: boolean;
  readonly onProgress?: (progress: RestoreProgress) => void;
}

export interface RestoredSession {
  readonly workspaceId: number;
  readonly sessionId: string;
  readonly files: number;
  readonly bytes: number;
  /** Fencing epoch in the snapshot. */
  readonly snapshotEpoch: number | null;
  /** The fence the restored directory got: above the live directory's and the record's epoch (null: none). */
  readonly fenceEpoch: number | null;
  /** A directory existed and was replaced. */
  readonly replaced: boolean;
  /** `would_restore` on a dry run; `restored` when sessions were not started (no control, or files only). */
  readonly outcome: SessionOutcome | 'restored' | 'would_restore';
}

export interface RestoreReport {
  readonly snapshotId: string;
  readonly createdAt: string;
  readonly dryRun: boolean;
  readonly workspaces: readonly number[];
  readonly sessions: readonly RestoredSession[];
  /** Restores a crash had interrupted, finished (rolled back or cleaned up) before this one began. */
  readonly recovered: readonly RecoveredRestore[];
  /** False when no worker was alive: files were restored, sessions start when workers come up. */
  readonly fleetOnline: boolean;
  readonly timings: { readonly verifyMs: number; readonly stopMs: number; readonly swapMs: number; readonly startMs: number };
}

/**
 * Restores a snapshot. First finishes any restore a crash interrupted. Then: locks the sessions against
 * starts, downloads and verifies everything into a staging directory inside the tree before anything
 * is replaced, stops the affected sessions, raises each restored fence above every epoch a run may
 * still hold, swaps the directories in by rename (all put back if one fails; nothing deleted until
 * every session is in place), releases the lock and starts the sessions again, watching them until
 * they settle. See `RestoreRun`.
 */
export async function restoreSnapshot(options: RestoreOptions): Promise<RestoreReport> {
  const manifest = await options.store.getManifest(options.snapshotId);
  const selected = selectSessions(manifest, options.workspaceId);
  const progress = options.onProgress ?? (() => undefined);
  await fs.mkdir(options.storagePath, { recursive: true, mode: 0o700 });
  const base = { snapshotId: manifest.id, createdAt: manifest.createdAt, workspaces: [...new Set(selected.map((s) => s.workspaceId))] };
  if (options.dryRun) return { ...base, ...(await dryRun(options, manifest, selected, progress)) };
  const recovered = await recoverInterruptedRestores({
    storagePath: options.storagePath,
    control: options.control,
    stopTimeoutMs: options.stopTimeoutMs,
    lockTtlMs: options.lockTtlMs,
    fsync: options.fsync,
  });
  if (recovered.length > 0) progress({ phase: 'recover', done: recovered.length, total: recovered.length });
  const run = await new RestoreRun(options, manifest, selected, progress).execute();
  const sessions = selected.map((s) =>
    describe(s, run.replaced.has(s.sessionId), run.fences.get(s.sessionId) ?? s.epoch, run.outcomes?.get(s.sessionId) ?? 'restored'),
  );
  return { ...base, dryRun: false, sessions, recovered, fleetOnline: run.fleetOnline, timings: run.timings };
}

/** Stages and verifies everything into a staging directory (no journal: no restore to finish), then removes it. */
async function dryRun(
  options: RestoreOptions,
  manifest: SnapshotManifest,
  selected: readonly ManifestSession[],
  progress: (p: RestoreProgress) => void,
): Promise<Omit<RestoreReport, 'snapshotId' | 'createdAt' | 'workspaces'>> {
  const stagingDir = path.join(options.storagePath, `${STAGING_PREFIX}${manifest.id}-${randomBytes(4).toString('hex')}`);
  const started = Date.now();
  try {
    await fs.mkdir(stagingDir, { mode: 0o700 });
    await stageSnapshot({
      store: options.store,
      manifest,
      selected,
      stagingDir,
      fsync: options.fsync,
      onProgress: (done, total) => progress({ phase: 'download', done, total }),
    });
  } finally {
    await fs.rm(stagingDir, { recursive: true, force: true });
  }
  const timings = { verifyMs: Date.now() - started, stopMs: 0, swapMs: 0, startMs: 0 };
  const sessions = await Promise.all(selected.map(async (s) => describe(s, await exists(options.storagePath, s), s.epoch, 'would_restore')));
  return { dryRun: true, sessions, recovered: [], fleetOnline: false, timings };
}

/** The sessions to restore; every id and file name is validated before any path is built from it. */
function selectSessions(manifest: SnapshotManifest, workspaceId: number | undefined): ManifestSession[] {
  for (const session of manifest.sessions) {
    try {
      sessionPath('/', session.workspaceId, session.sessionId);
    } catch {
      throw new UnsafeArchiveEntryError(manifest.id, `workspace_${String(session.workspaceId)}/${String(session.sessionId)}`, 'invalid id in manifest');
    }
    const bad = session.files.find((file) => !isArchivableFileName(file.name));
    if (bad) throw new UnsafeArchiveEntryError(manifest.id, entryPath(session, bad.name), 'invalid file name in manifest');
  }
  if (workspaceId === undefined) return [...manifest.sessions];
  const selected = manifest.sessions.filter((s) => s.workspaceId === workspaceId);
  if (selected.length === 0) throw new RestoreScopeError(manifest.id, `it holds no session of workspace ${workspaceId}`);
  return selected;
}

function describe(session: ManifestSession, replaced: boolean, fenceEpoch: number | null, outcome: RestoredSession['outcome']): RestoredSession {
  return {
    workspaceId: session.workspaceId,
    sessionId: session.sessionId,
    files: session.files.length,
    bytes: session.files.reduce((sum, f) => sum + f.size, 0),
    snapshotEpoch: session.epoch,
    fenceEpoch,
    replaced,
    outcome,
  };
}

async function exists(root: string, session: ManifestSession): Promise<boolean> {
  return fs.stat(sessionPath(root, session.workspaceId, session.sessionId)).then(
    () => true,
    () => false,
  );
}
