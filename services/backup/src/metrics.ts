import { Counter, createRegistry, Gauge, type Registry } from '@fleet/metrics';

/** Every metric the backup service exports (documented in docs/operations/backup-restore.md). */
export interface BackupMetrics {
  readonly registry: Registry;
  /** Unix time (s) of the last successful snapshot; alert on `time() - this`. */
  readonly lastSuccess: Gauge;
  readonly lastDuration: Gauge;
  readonly lastArchiveBytes: Gauge;
  readonly lastFiles: Gauge;
  readonly lastSessions: Gauge;
  readonly snapshots: Counter<'outcome'>;
  readonly retentionDeleted: Counter;
  readonly verifications: Counter<'outcome'>;
}

export function createBackupMetrics(instanceId: string): BackupMetrics {
  const registry = createRegistry('backup', { instance: instanceId });
  const snapshots = new Counter({
    name: 'fleet_backup_snapshots_total',
    help: 'Snapshots attempted by outcome (ok, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  snapshots.inc({ outcome: 'ok' }, 0);
  snapshots.inc({ outcome: 'failed' }, 0);
  const verifications = new Counter({
    name: 'fleet_backup_verifications_total',
    help: 'Snapshots read back and checked against their manifest, by outcome (ok, corrupt, failed: could not run)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of ['ok', 'corrupt', 'failed']) verifications.inc({ outcome }, 0);
  return {
    registry,
    lastSuccess: new Gauge({
      name: 'fleet_backup_last_success_timestamp_seconds',
      help: 'Unix time of the last successful snapshot (0: none yet)',
      registers: [registry],
    }),
    lastDuration: new Gauge({ name: 'fleet_backup_last_duration_seconds', help: 'Duration of the last successful snapshot', registers: [registry] }),
    lastArchiveBytes: new Gauge({ name: 'fleet_backup_last_archive_bytes', help: 'Compressed size of the last successful snapshot', registers: [registry] }),
    lastFiles: new Gauge({ name: 'fleet_backup_last_files', help: 'Files in the last successful snapshot', registers: [registry] }),
    lastSessions: new Gauge({ name: 'fleet_backup_last_sessions', help: 'Sessions in the last successful snapshot', registers: [registry] }),
    snapshots,
    retentionDeleted: new Counter({ name: 'fleet_backup_retention_deleted_total', help: 'Snapshots deleted by retention', registers: [registry] }),
    verifications,
  };
}
