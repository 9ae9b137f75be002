import { EnvReader, readCommon, type CommonConfig, type Env } from '@fleet/config';
import { BACKUP_SETTINGS_DEFAULTS, readBackupSettings, type BackupSettings } from '@fleet/backups';

/** The backup service's settings: what every snapshot user reads (`BackupSettings`) plus its schedule and HTTP. */
export interface BackupConfig extends BackupSettings {
  readonly common: CommonConfig;
  /** Cron pattern of the snapshot job scheduler (BullMQ; 5 fields, or 6 with seconds). */
  readonly cron: string;
  /** Time zone of the cron pattern. */
  readonly cronTz: string;
  readonly host: string;
  readonly port: number;
  /** Read each new snapshot back from S3 and check it against its manifest (BACKUP_VERIFY). Default true. */
  readonly verifyAfterSnapshot: boolean;
}

export const BACKUP_DEFAULTS = {
  ...BACKUP_SETTINGS_DEFAULTS,
  cron: '0 * * * *',
  cronTz: 'UTC',
  host: '0.0.0.0',
  port: 3005,
  verifyAfterSnapshot: true,
} as const;

export function readBackupConfig(env: Env): BackupConfig {
  const reader = new EnvReader(env);
  const cron = reader.string('BACKUP_CRON', BACKUP_DEFAULTS.cron);
  if (!/^\S+( \S+){4,5}$/.test(cron)) reader.fail(`BACKUP_CRON must be a cron pattern of 5 or 6 fields, got "${cron}"`);
  return reader.finish({
    common: readCommon(reader),
    ...readBackupSettings(reader),
    cron,
    cronTz: reader.string('BACKUP_CRON_TZ', BACKUP_DEFAULTS.cronTz),
    host: reader.string('BACKUP_HOST', BACKUP_DEFAULTS.host),
    port: reader.int('BACKUP_PORT', BACKUP_DEFAULTS.port, { min: 0, max: 65535 }),
    verifyAfterSnapshot: reader.bool('BACKUP_VERIFY', BACKUP_DEFAULTS.verifyAfterSnapshot),
  });
}
