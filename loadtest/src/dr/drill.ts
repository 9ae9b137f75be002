import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { restoreSnapshot, SessionControl, type RestoreProgress, type RestoreReport, type SnapshotStore } from '@fleet/backups';
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
  const deletedDirs = await deleteWorkspaceDirs(options.storagePath);
  const deleteMs = Date.now() - started;
  const control = new SessionControl({ redis: options.redis, keys: options.keys });
  try {
    const report = await restoreSnapshot({
      store: options.store,
      snapshotId,
      storagePath: options.storagePath,
      control,
      waitMs: options.waitMs ?? 600_000,
      onProgress: options.onProgress,
    });
    const outcomes: Record<string, number> = {};
    for (const s of report.sessions) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
    return { snapshotId, deletedDirs, deleteMs, totalMs: Date.now() - started, report, outcomes };
  } finally {
    await control.close();
  }
}

/** `rm -rf` processes at once: unlinking is bound by I/O latency, not CPU. */
const RM_LANES = 8;

/**
 * The disaster: deletes every `workspace_*` directory of the tree; returns how many there were.
 * `RM_LANES` `rm -rf` processes share them (measured on 129,000 files: 2.8 s, against 4.8 s with
 * Node's recursive `fs.rm`), then `fs.rm` removes whatever is left: everything where `rm` is
 * missing, or a directory a running session wrote a file into meanwhile (ENOTEMPTY, retried).
 */
export async function deleteWorkspaceDirs(storagePath: string): Promise<number> {
  const dirs = (await fs.readdir(storagePath)).filter((name) => name.startsWith('workspace_')).map((name) => path.join(storagePath, name));
  const lanes = Array.from({ length: Math.min(RM_LANES, dirs.length) }, (_, lane) => dirs.filter((_, i) => i % RM_LANES === lane));
  await Promise.all(lanes.map((group) => new Promise<void>((resolve) => execFile('rm', ['-rf', '--', ...group], () => resolve()))));
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true, maxRetries: 5 })));
  return dirs.length;
}
