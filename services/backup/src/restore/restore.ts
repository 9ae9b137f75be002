import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SessionRecord } from '@fleet/state';
import { RestoreScopeError, UnsafeArchiveEntryError } from '../errors';
import type { SnapshotStore } from '../s3/snapshot-store';
import { isArchivableFileName } from '../snapshot/archive-path';
import { entryPath, type ManifestSession, type SnapshotManifest } from '../snapshot/manifest';
import type { SessionControl, SessionOutcome } from './session-control';
import { stageSnapshot } from './stage';
import { sessionPath, swapSessions } from './swap';

export type RestorePhase = 'download' | 'stop' | 'swap' | 'start';

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
  /** Stops the sessions before their files are replaced and starts them after; files only when absent. */
  readonly control?: SessionControl;
  /** How long to wait for stop jobs. Default 60 s. */
  readonly stopTimeoutMs?: number;
  /** How long to wait for restarted sessions to settle. Default 120 s. */
  readonly waitMs?: number;
  readonly fsync?: boolean;
  readonly onProgress?: (progress: RestoreProgress) => void;
}

export interface RestoredSession {
  readonly workspaceId: number;
  readonly sessionId: string;
  readonly files: number;
  readonly bytes: number;
  /** Fencing epoch in the snapshot; the next start takes a higher one from Redis. */
  readonly snapshotEpoch: number | null;
  /** A directory existed and was replaced. */
  readonly replaced: boolean;
  /** `would_restore` on a dry run; `restored` when no session control was given. */
  readonly outcome: SessionOutcome | 'restored' | 'would_restore';
}

export interface RestoreReport {
  readonly snapshotId: string;
  readonly createdAt: string;
  readonly dryRun: boolean;
  readonly workspaces: readonly number[];
  readonly sessions: readonly RestoredSession[];
  /** False when no worker was alive: files were restored, sessions start when workers come up. */
  readonly fleetOnline: boolean;
  readonly timings: { readonly verifyMs: number; readonly stopMs: number; readonly swapMs: number; readonly startMs: number };
}

/**
 * Restores a snapshot: everything is downloaded and verified into a staging directory inside the
 * tree before anything is replaced; then the affected sessions are stopped, their directories
 * swapped in by rename, and the sessions started again and watched until they settle.
 */
export async function restoreSnapshot(options: RestoreOptions): Promise<RestoreReport> {
  const manifest = await options.store.getManifest(options.snapshotId);
  const selected = selectSessions(manifest, options.workspaceId);
  const progress = options.onProgress ?? (() => undefined);
  await fs.mkdir(options.storagePath, { recursive: true, mode: 0o700 });
  const stagingDir = path.join(options.storagePath, `.restore-${manifest.id}-${randomBytes(4).toString('hex')}`);
  const timings = { verifyMs: 0, stopMs: 0, swapMs: 0, startMs: 0 };
  let mark = Date.now();
  const lap = (): number => {
    const now = Date.now();
    const elapsed = now - mark;
    mark = now;
    return elapsed;
  };
  try {
    await fs.mkdir(stagingDir, { mode: 0o700 });
    await stageSnapshot({
      store: options.store, manifest, selected, stagingDir, fsync: options.fsync,
      onProgress: (done, total) => progress({ phase: 'download', done, total }),
    });
    timings.verifyMs = lap();
    const base = { snapshotId: manifest.id, createdAt: manifest.createdAt, workspaces: [...new Set(selected.map((s) => s.workspaceId))] };
    if (options.dryRun) {
      const sessions = await Promise.all(selected.map(async (s) => describe(s, await exists(options.storagePath, s), 'would_restore')));
      return { ...base, dryRun: true, sessions, fleetOnline: false, timings };
    }
    const control = options.control;
    const records = control ? await control.records(selected.map((s) => s.sessionId)) : new Map<string, SessionRecord>();
    const fleetOnline = control ? (await control.liveWorkers()) > 0 : false;
    const token = `${manifest.id}-${randomBytes(3).toString('hex')}`;
    const running = [...records.values()].filter((r) => r.desired === 'running');
    if (control && fleetOnline && running.length > 0) {
      await control.stop(running, token, options.stopTimeoutMs ?? 60_000, (done) => progress({ phase: 'stop', done, total: running.length }));
    }
    timings.stopMs = lap();
    const replaced = await swapSessions(options.storagePath, stagingDir, selected, {
      fsync: options.fsync, onProgress: (done, total) => progress({ phase: 'swap', done, total }),
    });
    timings.swapMs = lap();
    const outcomes = control ? await restart(control, selected, records, token, options, progress) : undefined;
    timings.startMs = lap();
    const sessions = selected.map((s) => describe(s, replaced.has(s.sessionId), outcomes?.get(s.sessionId) ?? 'restored'));
    return { ...base, dryRun: false, sessions, fleetOnline, timings };
  } finally {
    await fs.rm(stagingDir, { recursive: true, force: true });
  }
}

async function restart(
  control: SessionControl,
  selected: readonly ManifestSession[],
  records: ReadonlyMap<string, SessionRecord>,
  token: string,
  options: RestoreOptions,
  progress: (p: RestoreProgress) => void,
): Promise<Map<string, SessionOutcome>> {
  const outcomes = new Map<string, SessionOutcome>();
  const toStart: SessionRecord[] = [];
  for (const session of selected) {
    const record = records.get(session.sessionId);
    if (!record) outcomes.set(session.sessionId, 'no_record');
    else if (record.desired !== 'running') outcomes.set(session.sessionId, 'not_started');
    else toStart.push(record);
  }
  const fresh = await control.records(toStart.map((r) => r.sessionId));
  await control.start(toStart, token);
  const before = new Map(toStart.map((r) => [r.sessionId, fresh.get(r.sessionId)?.epoch ?? r.epoch]));
  const settled = await control.awaitOutcomes(before, options.waitMs ?? 120_000, (done, connected) =>
    progress({ phase: 'start', done, total: toStart.length, detail: `${connected} connected` }),
  );
  for (const [id, outcome] of settled) outcomes.set(id, outcome);
  return outcomes;
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

function describe(session: ManifestSession, replaced: boolean, outcome: RestoredSession['outcome']): RestoredSession {
  return {
    workspaceId: session.workspaceId,
    sessionId: session.sessionId,
    files: session.files.length,
    bytes: session.files.reduce((sum, f) => sum + f.size, 0),
    snapshotEpoch: session.epoch,
    replaced,
    outcome,
  };
}

async function exists(root: string, session: ManifestSession): Promise<boolean> {
  return fs.stat(sessionPath(root, session.workspaceId, session.sessionId)).then(() => true, () => false);
}
