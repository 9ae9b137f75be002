import type { Redis } from 'ioredis';
import { createS3Client } from '@fleet/backups';
import type { Keys } from '@fleet/keys';
import type { MediaSettings } from './settings';
import { MediaStore, type MediaStoreOptions } from './store/media-store';

/** A MediaStore on the settings' bucket with an S3 client of its own (`store.close()` closes it). */
export function createMediaStore(
  settings: MediaSettings,
  redis: Redis,
  keys: Keys,
  tuning: Partial<Pick<MediaStoreOptions, 'partSizeBytes' | 'queueSize' | 'sweepBatch' | 'sweepRetryMs'>> = {},
): MediaStore {
  return new MediaStore({
    redis,
    keys,
    s3: createS3Client(settings.s3),
    bucket: settings.s3.bucket,
    prefix: settings.s3.prefix,
    signingSecret: settings.signingSecret,
    retentionSeconds: settings.retentionSeconds,
    ...tuning,
  });
}
