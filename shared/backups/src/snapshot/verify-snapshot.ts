import { SnapshotCorruptError, UnsafeArchiveEntryError } from '../errors';
import { checkArchive } from '../restore/stage';
import type { SnapshotStore, SnapshotVerification } from '../s3/snapshot-store';

/**
 * Reads a snapshot's whole archive back from S3 and checks it against its manifest (every file's
 * size and sha256, the archive's size and sha256, the embedded manifest), writing nothing to disk,
 * then stores the outcome beside the snapshot (`verification.json`) so listings can show it.
 * A corrupt or unsafe archive is a result (`ok: false` with the problems), not an error; a missing
 * snapshot throws `SnapshotNotFoundError`, S3 being away throws its own error (nothing is stored).
 */
export async function verifySnapshot(store: SnapshotStore, snapshotId: string, now: () => number = Date.now): Promise<SnapshotVerification> {
  const started = now();
  let problems: readonly string[] = [];
  try {
    const manifest = await store.getManifest(snapshotId);
    await checkArchive(store, manifest);
  } catch (error) {
    if (error instanceof SnapshotCorruptError) problems = error.problems;
    else if (error instanceof UnsafeArchiveEntryError) problems = [error.message];
    else throw error;
  }
  const verification: SnapshotVerification = { snapshotId, verifiedAt: now(), ok: problems.length === 0, problems, durationMs: now() - started };
  await store.putVerification(verification);
  return verification;
}
