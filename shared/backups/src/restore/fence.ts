import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FENCE_FILE } from '../snapshot/tree';
import type { ManifestSession } from '../snapshot/manifest';
import { eachLimited } from './limited';
import { sessionPath } from './swap';

/** Fences read and written at once. */
const FENCE_LANES = 32;

/**
 * The fence a restored directory gets, so that the fence only ever moves up: at least the snapshot's,
 * and above every epoch a run may still hold: the live directory's `.epoch` (the highest that ever
 * opened it) and the session record's (the highest Redis handed out). A run from before the restore,
 * even one that missed its stop, can then never write into the restored state; the next start takes
 * an epoch above this one (the worker steps past a fence at or above the epoch Redis gave it).
 * Unknown values are left out; with none of them, the snapshot's stands.
 */
export function restoredFence(snapshotEpoch: number | null, liveEpoch: number | undefined, recordEpoch: number | undefined): number | null {
  const above = Math.max(liveEpoch ?? -1, recordEpoch ?? -1) + 1;
  if (above === 0) return snapshotEpoch;
  return Math.max(snapshotEpoch ?? 0, above);
}

/** The leading integer of a `.epoch` file (`<epoch>` or `<epoch> <owner> <incarnation>`), or undefined. */
export async function readFenceEpoch(dir: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(dir, FENCE_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  const value = text === undefined ? NaN : Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Writes each staged session's fence (see `restoredFence`) before anything is swapped, so a failure
 * here replaces nothing. Returns the fence each session will have, and the sessions whose fence file
 * was rewritten (made durable by the swap's final sync).
 */
export async function raiseStagedFences(
  storagePath: string,
  stagingDir: string,
  sessions: readonly ManifestSession[],
  recordEpochs: ReadonlyMap<string, number>,
): Promise<{ fences: Map<string, number | null>; written: Set<string> }> {
  const fences = new Map<string, number | null>();
  const written = new Set<string>();
  await eachLimited(sessions, FENCE_LANES, async (session) => {
    const live = await readFenceEpoch(sessionPath(storagePath, session.workspaceId, session.sessionId));
    const fence = restoredFence(session.epoch, live, recordEpochs.get(session.sessionId));
    fences.set(session.sessionId, fence);
    if (fence === null || fence === session.epoch) return;
    const file = path.join(sessionPath(stagingDir, session.workspaceId, session.sessionId), FENCE_FILE);
    const temp = `${file}.restore.tmp`;
    await fs.writeFile(temp, `${fence}\n`, { mode: 0o644 });
    await fs.rename(temp, file);
    written.add(session.sessionId);
  });
  return { fences, written };
}
