import { strict as assert } from 'node:assert';
import { EnvReader, type Env } from '@fleet/config';
import { readBackupSettings, type BackupSettings } from '../src/settings';

function read(env: Env): Readonly<BackupSettings> {
  const reader = new EnvReader(env);
  return reader.finish(readBackupSettings(reader));
}

describe('backups: settings read by the backup service, fleetctl and the DR drill', () => {
  it('names every bad variable at once', () => {
    assert.throws(
      () => read({ S3_BUCKET: 'A_B', S3_ACCESS_KEY_ID: 'x', BACKUP_KEEP_DAILY: '-1', BACKUP_PART_SIZE_MB: '4', BACKUP_GZIP_LEVEL: '10' }),
      (error: Error) =>
        ['SESSION_STORAGE_PATH', 'S3_BUCKET', 'S3_SECRET_ACCESS_KEY', 'BACKUP_KEEP_DAILY', 'BACKUP_PART_SIZE_MB', 'BACKUP_GZIP_LEVEL'].every((name) =>
          error.message.includes(name),
        ),
    );
  });

  it('applies the documented defaults and normalizes the prefix', () => {
    const defaults = read({ SESSION_STORAGE_PATH: '/x' });
    assert.deepEqual(defaults.retention, { hourly: 24, daily: 7, weekly: 4 });
    assert.equal(defaults.partSizeBytes, 8 * 1024 * 1024);
    assert.equal(defaults.uploadQueueSize, 4);
    assert.equal(defaults.gzipLevel, 6);
    assert.deepEqual(defaults.s3, {
      bucket: 'fleet-backups',
      prefix: 'fleet/',
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: false,
      credentials: undefined,
    });
    const custom = read({ SESSION_STORAGE_PATH: '/x', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_PREFIX: '/a/b' });
    assert.equal(custom.s3.prefix, 'a/b/');
    assert.equal(custom.s3.forcePathStyle, true);
  });

  it("leaves the backup service's own variables (schedule, HTTP) to the service", () => {
    const settings = read({ SESSION_STORAGE_PATH: '/x', BACKUP_CRON: 'hourly', BACKUP_PORT: 'none', REDIS_URL: 'not a url' });
    assert.equal(settings.storagePath, '/x');
  });
});
