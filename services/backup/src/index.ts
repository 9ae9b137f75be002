export { readBackupConfig, BACKUP_DEFAULTS, type BackupConfig } from './config';
export { createBackupService, SNAPSHOT_JOB, SNAPSHOT_SCHEDULER_ID, type BackupService, type BackupServiceDeps } from './service/backup-service';
export { createBackupMetrics, type BackupMetrics } from './metrics';
