import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { restoreSnapshot, SessionControl, type RestoreProgress, type RestoreReport, type SnapshotStore } from '@fleet/backup';
import type { Keys } from '@fleet/keys';

export interface DrillOptions {
  readonly store: SnapshotStore;
  readonly storagePath: string;
  readonly redis: Redis;
  readonly keys: Keys;
  /** Snapshot to restore; the newest complete one when absent. */
  readonly snapshotId?: string;
  readonly waitMs?: number;
  readonly onProgress?: (progress: RestoreProgress) => void;
}

export interface DrillResult {
  readonly snapshotId: string;
  readonly deletedDirs: number;
  readonly deleteMs: number;
  /** From the deletion's start until every restarted session settled. */
  readonly totalMs: number;
  readonly report: RestoreReport;
  readonly outcomes: Record<string, number>;
}

/**
 * The disaster-recovery drill of the checklist, timed: deletes every `workspace_*` directory of the
 * tree, restores the snapshot (verified first), restarts the sessions and waits until each settled.
 */
export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const snapshotId = options.snapshotId ?? (await options.store.list()).filter((s) => s.complete).at(-1)?.id;
  if (!snapshotId) throw new Error('no complete snapshot to restore: take one first (make backup)');
  const started = Date.now();
  const doomed = (await fs.readdir(options.storagePath)).filter((name) => name.startsWith('workspace_'));
  await Promise.all(doomed.map((name) => fs.rm(path.join(options.storagePath, name), { recursive: true, force: true })));
  const deleteMs = Date.now() - started;
  const control = new SessionControl({ redis: options.redis, keys: options.keys });
  try {
    const report = await restoreSnapshot({
      store: options.store, snapshotId, storagePath: options.storagePath, control, waitMs: options.waitMs ?? 600_000, onProgress: options.onProgress,
    });
    const outcomes: Record<string, number> = {};
    for (const s of report.sessions) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
    return { snapshotId, deletedDirs: doomed.length, deleteMs, totalMs: Date.now() - started, report, outcomes };
  } finally {
    await control.close();
  }
}
