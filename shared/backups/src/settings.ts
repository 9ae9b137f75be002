import type { EnvReader } from '@fleet/config';

/** Where snapshots live: any S3-compatible store. */
export interface S3Settings {
  readonly bucket: string;
  /** Key prefix of every object, empty or ending in `/`. */
  readonly prefix: string;
  readonly region: string;
  /** Custom endpoint (MinIO, s3rver, R2 …); AWS itself when unset. */
  readonly endpoint: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`); needed by most S3-compatible servers. */
  readonly forcePathStyle: boolean;
  /** Static credentials; the AWS default chain (env, profile, instance role) when unset. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

/** How many snapshots to keep: the newest of each of the last N hours, days and ISO weeks (UTC). */
export interface RetentionPolicy {
  readonly hourly: number;
  readonly daily: number;
  readonly weekly: number;
}

/**
 * What taking, keeping and restoring snapshots needs, read the same way by the backup service,
 * `fleetctl backup` / `fleetctl restore` and the DR drill.
 */
export interface BackupSettings {
  /** Root of the session storage tree (the workers' SESSION_STORAGE_PATH). */
  readonly storagePath: string;
  readonly s3: S3Settings;
  readonly retention: RetentionPolicy;
  /** Multipart upload part size in bytes. */
  readonly partSizeBytes: number;
  /** Parts uploaded at once. */
  readonly uploadQueueSize: number;
  readonly gzipLevel: number;
}

export const BACKUP_SETTINGS_DEFAULTS = {
  bucket: 'fleet-backups',
  prefix: 'fleet/',
  region: 'us-east-1',
  retention: { hourly: 24, daily: 7, weekly: 4 },
  partSizeMb: 8,
  uploadQueueSize: 4,
  gzipLevel: 6,
} as const;

/** Reads only the S3 variables (S3_BUCKET, S3_PREFIX, S3_REGION, S3_ENDPOINT, S3_FORCE_PATH_STYLE, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY). */
export function readS3Settings(reader: EnvReader): S3Settings {
  const bucket = reader.string('S3_BUCKET', BACKUP_SETTINGS_DEFAULTS.bucket);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) reader.fail(`S3_BUCKET must be a valid bucket name, got "${bucket}"`);
  let prefix = reader.string('S3_PREFIX', BACKUP_SETTINGS_DEFAULTS.prefix).replace(/^\/+/, '');
  if (prefix === '/') prefix = '';
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (!/^[A-Za-z0-9._/-]*$/.test(prefix)) reader.fail(`S3_PREFIX may hold letters, digits, . _ - and /, got "${prefix}"`);
  const endpoint = reader.optionalUrl('S3_ENDPOINT', ['http', 'https']);
  const accessKeyId = reader.optionalString('S3_ACCESS_KEY_ID');
  const secretAccessKey = reader.optionalString('S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    reader.fail('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
  }
  return {
    bucket,
    prefix,
    region: reader.string('S3_REGION', BACKUP_SETTINGS_DEFAULTS.region),
    endpoint,
    forcePathStyle: reader.bool('S3_FORCE_PATH_STYLE', endpoint !== undefined),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

/**
 * Reads SESSION_STORAGE_PATH, the S3 variables, BACKUP_KEEP_HOURLY / _DAILY / _WEEKLY,
 * BACKUP_PART_SIZE_MB, BACKUP_UPLOAD_CONCURRENCY and BACKUP_GZIP_LEVEL. Problems are collected in
 * `reader`; its `finish()` names them all.
 */
export function readBackupSettings(reader: EnvReader): BackupSettings {
  const defaults = BACKUP_SETTINGS_DEFAULTS;
  return {
    storagePath: reader.requiredString('SESSION_STORAGE_PATH'),
    s3: readS3Settings(reader),
    retention: {
      hourly: reader.int('BACKUP_KEEP_HOURLY', defaults.retention.hourly, { min: 0, max: 10_000 }),
      daily: reader.int('BACKUP_KEEP_DAILY', defaults.retention.daily, { min: 0, max: 10_000 }),
      weekly: reader.int('BACKUP_KEEP_WEEKLY', defaults.retention.weekly, { min: 0, max: 10_000 }),
    },
    partSizeBytes: reader.int('BACKUP_PART_SIZE_MB', defaults.partSizeMb, { min: 5, max: 5120 }) * 1024 * 1024,
    uploadQueueSize: reader.int('BACKUP_UPLOAD_CONCURRENCY', defaults.uploadQueueSize, { min: 1, max: 64 }),
    gzipLevel: reader.int('BACKUP_GZIP_LEVEL', defaults.gzipLevel, { min: 1, max: 9 }),
  };
}
