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

/** Another restore (running, or crashed less than a lock expiry ago) holds some of these sessions; nothing was changed. */
export class RestoreInProgressError extends FleetError {
  override readonly name: string = 'RestoreInProgressError';

  constructor(sessionId: string) {
    super('RESTORE_IN_PROGRESS', `another restore holds session ${sessionId} (a crashed restore's lock lapses by itself within 30 s); nothing was changed`, {
      status: 409,
      details: { sessionId },
    });
  }
}

/** The restore's lock lapsed before the swap (Redis did not answer within its expiry): nothing was replaced. */
export class RestoreLockLostError extends FleetError {
  override readonly name: string = 'RestoreLockLostError';

  constructor(lost: number) {
    super(
      'RESTORE_LOCK_LOST',
      `the restore lost its lock on ${lost} session(s) before replacing them; nothing was replaced and the stopped sessions were started again`,
      {
        status: 503,
        details: { lost },
      },
    );
  }
}

/**
 * Moving the restored directories into place failed part-way. `rolledBack`: every directory was put
 * back as it was. Otherwise the sessions in `stranded` could not be put back; nothing was deleted:
 * their previous directories are in `<stagingDir>/.replaced`, and the next restore tries again.
 */
export class RestoreSwapError extends FleetError {
  override readonly name: string = 'RestoreSwapError';
  readonly rolledBack: boolean;

  constructor(snapshotId: string, stranded: readonly string[], stagingDir: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const outcome =
      stranded.length === 0
        ? 'every directory was put back as it was'
        : `${stranded.length} session(s) could not be put back (e.g. ${stranded[0]}); nothing was deleted: their previous directories are kept in ${stagingDir}/.replaced and the next restore puts them back`;
    super('RESTORE_SWAP_FAILED', `snapshot ${snapshotId}: replacing session directories failed (${reason}); ${outcome}`, {
      status: 500,
      details: { snapshotId, stranded: stranded.slice(0, 20), stagingDir },
      cause,
    });
    this.rolledBack = stranded.length === 0;
  }
}
