import { FleetError } from '@fleet/errors';

/** No complete snapshot (archive + manifest) with this id exists in the bucket. */
export class SnapshotNotFoundError extends FleetError {
  override readonly name: string = 'SnapshotNotFoundError';

  constructor(snapshotId: string) {
    super('BACKUP_NOT_FOUND', `snapshot ${snapshotId} does not exist (or is incomplete: it has no manifest)`, {
      status: 404,
      details: { snapshotId },
    });
  }
}

/** The snapshot's archive or manifest does not match (bit rot, truncation, tampering): nothing was restored. */
export class SnapshotCorruptError extends FleetError {
  override readonly name: string = 'SnapshotCorruptError';
  readonly problems: readonly string[];

  constructor(snapshotId: string, problems: readonly string[], cause?: unknown) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    super('BACKUP_CORRUPT', `snapshot ${snapshotId} is corrupt or truncated, nothing was changed: ${shown}`, {
      status: 422,
      details: { snapshotId, problems: problems.slice(0, 20) },
      cause,
    });
    this.problems = Object.freeze([...problems]);
  }
}

/** An archive entry whose path is not `workspace_<id>/<session_id>/<file>` (absolute, `..`, links …). */
export class UnsafeArchiveEntryError extends FleetError {
  override readonly name: string = 'UnsafeArchiveEntryError';

  constructor(snapshotId: string, entry: string, reason: string) {
    super('BACKUP_UNSAFE_ENTRY', `snapshot ${snapshotId}: refusing archive entry "${entry.slice(0, 120)}" (${reason}); nothing was changed`, {
      status: 422,
      details: { snapshotId, entry: entry.slice(0, 120), reason },
    });
  }
}

/** A restore asked for something the snapshot does not hold (a workspace it has no session of). */
export class RestoreScopeError extends FleetError {
  override readonly name: string = 'RestoreScopeError';

  constructor(snapshotId: string, message: string) {
    super('RESTORE_SCOPE', `snapshot ${snapshotId}: ${message}`, { status: 400, details: { snapshotId } });
  }
}

/** Running sessions could not be stopped before their files were replaced; nothing was replaced. */
export class RestoreStopTimeoutError extends FleetError {
  override readonly name: string = 'RestoreStopTimeoutError';

  constructor(pending: readonly string[]) {
    super('RESTORE_STOP_TIMEOUT', `${pending.length} session(s) did not stop in time; nothing was replaced`, {
      status: 503,
      details: { pending: pending.slice(0, 20) },
    });
  }
}
