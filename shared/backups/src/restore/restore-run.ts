import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SessionRecord } from '@fleet/state';
import { RestoreSwapError } from '../errors';
import type { ManifestSession, SnapshotManifest } from '../snapshot/manifest';
import { raiseStagedFences } from './fence';
import { STAGING_PREFIX, writeJournal, type JournalState } from './journal';
import type { RestoreOptions, RestoreProgress } from './restore';
import type { RestoreLock } from './restore-lock';
import type { SessionControl, SessionOutcome } from './session-control';
import { stageSnapshot } from './stage';
import { SwapFailure, swapSessions } from './swap';

export interface RunResult {
  readonly fleetOnline: boolean;
  readonly replaced: ReadonlySet<string>;
  readonly fences: ReadonlyMap<string, number | null>;
  readonly outcomes: ReadonlyMap<string, SessionOutcome> | undefined;
  readonly timings: { verifyMs: number; stopMs: number; swapMs: number; startMs: number };
}

/**
 * One restore, step by step: lock the sessions, stage and verify, stop the running ones, raise the
 * fences, swap (rolled back on failure), release the lock, start them again. A journal in the staging
 * directory records how far it got, so that a crash at any point is finished by the next restore
 * (`recoverInterruptedRestores`). The staging directory, which holds the replaced directories, is
 * deleted only once every session is in place or back as it was.
 */
export class RestoreRun {
  private readonly token: string;
  private readonly stagingDir: string;
  private readonly ids: string[];
  private readonly timings = { verifyMs: 0, stopMs: 0, swapMs: 0, startMs: 0 };
  private mark = Date.now();
  private lock: RestoreLock | undefined;
  /** Sessions this restore stops (or would, with the fleet down): they must run again whatever happens. */
  private stopped: SessionRecord[] = [];
  private keepStaging = false;

  constructor(
    private readonly options: RestoreOptions,
    private readonly manifest: SnapshotManifest,
    private readonly selected: readonly ManifestSession[],
    private readonly progress: (progress: RestoreProgress) => void,
  ) {
    this.token = `${manifest.id}-${randomBytes(3).toString('hex')}`;
    this.stagingDir = path.join(options.storagePath, `${STAGING_PREFIX}${manifest.id}-${randomBytes(4).toString('hex')}`);
    this.ids = selected.map((s) => s.sessionId);
  }

  async execute(): Promise<RunResult> {
    this.lock = this.control ? await this.control.lock(this.ids, this.token, this.options.lockTtlMs) : undefined;
    try {
      await fs.mkdir(this.stagingDir, { mode: 0o700 });
      await this.journal('staging');
      await stageSnapshot({
        store: this.options.store,
        manifest: this.manifest,
        selected: this.selected,
        stagingDir: this.stagingDir,
        fsync: this.options.fsync,
        onProgress: (done, total) => this.progress({ phase: 'download', done, total }),
      });
      this.timings.verifyMs = this.lap();
      const { records, fleetOnline } = await this.stopRunning();
      const { replaced, fences } = await this.swapOrUndo();
      await this.lock?.release();
      const outcomes = await this.restart(records);
      await this.journal('done', []);
      return { fleetOnline, replaced, fences, outcomes, timings: this.timings };
    } finally {
      await this.lock?.release();
      // Left for the next restore to finish (its journal says how) when removing it fails now.
      if (!this.keepStaging) await fs.rm(this.stagingDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private get control(): SessionControl | undefined {
    return this.options.control;
  }

  /** Stops the running sessions (when a worker is alive to do it), journaled first so a crash restarts them. */
  private async stopRunning(): Promise<{ records: Map<string, SessionRecord>; fleetOnline: boolean }> {
    const control = this.control;
    if (!control) return { records: new Map(), fleetOnline: false };
    const records = await control.records(this.ids);
    const fleetOnline = (await control.liveWorkers()) > 0;
    this.stopped = this.options.filesOnly ? [] : [...records.values()].filter((r) => r.desired === 'running');
    await this.journal('staging');
    if (fleetOnline && this.stopped.length > 0) {
      const total = this.stopped.length;
      await control.stop(this.stopped, this.token, this.options.stopTimeoutMs ?? 60_000, (done) => this.progress({ phase: 'stop', done, total }));
    }
    this.timings.stopMs = this.lap();
    return { records, fleetOnline };
  }

  /** Raises the fences and swaps; on any failure puts everything back and starts the stopped sessions again. */
  private async swapOrUndo(): Promise<{ replaced: Set<string>; fences: Map<string, number | null> }> {
    try {
      await this.lock?.assertHeld();
      const records = this.control ? await this.control.records(this.ids) : new Map<string, SessionRecord>();
      const epochs = new Map([...records.values()].map((r) => [r.sessionId, r.epoch]));
      const { fences, written } = await raiseStagedFences(this.options.storagePath, this.stagingDir, this.selected, epochs);
      await this.journal('swapping');
      const replaced = await swapSessions(this.options.storagePath, this.stagingDir, this.selected, {
        fsync: this.options.fsync,
        fencesWritten: written,
        onProgress: (done, total) => this.progress({ phase: 'swap', done, total }),
      });
      await this.journal('committed');
      this.timings.swapMs = this.lap();
      return { replaced, fences };
    } catch (error) {
      throw await this.undo(error);
    }
  }

  /**
   * After a failure past the stop: the swap has put back what it could. Sessions whose directory could
   * not be put back stay stopped and their old directories stay in staging (the journal still says
   * `swapping`, so the next restore puts them back); every other stopped session starts again.
   */
  private async undo(error: unknown): Promise<unknown> {
    const stranded = new Set(error instanceof SwapFailure ? error.stranded : []);
    const failure = error instanceof SwapFailure ? new RestoreSwapError(this.manifest.id, error.stranded, this.stagingDir, error.cause) : error;
    this.keepStaging = stranded.size > 0;
    if (error instanceof SwapFailure && !this.keepStaging) await this.journal('rolled_back').catch(() => undefined);
    await this.lock?.release();
    const again = this.stopped.filter((r) => !stranded.has(r.sessionId));
    try {
      if (this.control && again.length > 0) await this.control.start(again, `${this.token}-undo`);
    } catch {
      // Redis away: the journal (kept) still lists them, and the next restore starts them.
      this.keepStaging = true;
    }
    return failure;
  }

  /** Starts again the sessions that want to run and watches them until they settle. */
  private async restart(records: ReadonlyMap<string, SessionRecord>): Promise<Map<string, SessionOutcome> | undefined> {
    const control = this.control;
    if (!control || this.options.filesOnly) return undefined;
    const outcomes = new Map<string, SessionOutcome>();
    const toStart: SessionRecord[] = [];
    for (const id of this.ids) {
      const record = records.get(id);
      if (!record) outcomes.set(id, 'no_record');
      else if (record.desired !== 'running') outcomes.set(id, 'not_started');
      else toStart.push(record);
    }
    const fresh = await control.records(toStart.map((r) => r.sessionId));
    await control.start(toStart, this.token);
    const before = new Map(toStart.map((r) => [r.sessionId, fresh.get(r.sessionId)?.epoch ?? r.epoch]));
    const settled = await control.awaitOutcomes(before, this.options.waitMs ?? 120_000, (done, connected) =>
      this.progress({ phase: 'start', done, total: toStart.length, detail: `${connected} connected` }),
    );
    for (const [id, outcome] of settled) outcomes.set(id, outcome);
    this.timings.startMs = this.lap();
    return outcomes;
  }

  private journal(state: JournalState, restart = this.stopped.map((r) => r.sessionId)): Promise<void> {
    const sessions = this.selected.map((s) => ({ workspaceId: s.workspaceId, sessionId: s.sessionId }));
    return writeJournal(this.stagingDir, { snapshotId: this.manifest.id, token: this.token, state, sessions, restart });
  }

  private lap(): number {
    const now = Date.now();
    const elapsed = now - this.mark;
    this.mark = now;
    return elapsed;
  }
}
