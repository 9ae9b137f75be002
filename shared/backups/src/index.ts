export { readS3Settings, readBackupSettings, BACKUP_SETTINGS_DEFAULTS, type S3Settings, type RetentionPolicy, type BackupSettings } from './settings';
export {
  SnapshotNotFoundError,
  SnapshotCorruptError,
  UnsafeArchiveEntryError,
  RestoreScopeError,
  RestoreStopTimeoutError,
  RestoreInProgressError,
  RestoreLockLostError,
  RestoreSwapError,
} from './errors';
export { createS3Client } from './s3/client';
export { SnapshotStore, type SnapshotListing, type SnapshotVerification, type UploadOptions } from './s3/snapshot-store';
export { verifySnapshot } from './snapshot/verify-snapshot';
export { takeSnapshot, type SnapshotOptions, type SnapshotProgress } from './snapshot/take-snapshot';
export { planRetention, applyRetention, isoWeekOf, type RetentionPlan } from './snapshot/retention';
export { newSnapshotId, isSnapshotId, snapshotTime, SNAPSHOT_ID_PATTERN } from './snapshot/snapshot-id';
export { MANIFEST_FORMAT, type SnapshotManifest, type SnapshotContent, type ManifestSession, type ManifestFile } from './snapshot/manifest';
export { parseEntryPath } from './snapshot/archive-path';
export { restoreSnapshot, type RestoreOptions, type RestoreReport, type RestoredSession, type RestoreProgress } from './restore/restore';
export { SessionControl, type SessionOutcome, type SessionControlOptions } from './restore/session-control';
export { RestoreLock, DEFAULT_LOCK_TTL_MS } from './restore/restore-lock';
export { recoverInterruptedRestores, type RecoveredRestore } from './restore/recover';
export { BackupRequests, BACKUP_JOBS, type BackupRequest } from './requests/backup-requests';
