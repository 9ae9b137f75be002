import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { createS3Client, type S3Settings } from '@fleet/backups';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, startTestS3, testRedis } from '@fleet/testing';
import { MediaStore, type MediaStoreOptions } from '../src';

export const TEST_SECRET = 'media-test-secret-0123456789abcdef';

/** A real S3-compatible server (s3rver) on a free loopback port, its data in a temp dir. */
export async function startS3(bucket = 'fleet-media-test') {
  const server = await startTestS3(bucket);
  return { ...server, settings: server.settings as S3Settings };
}
export type TestS3 = Awaited<ReturnType<typeof startS3>>;

export interface StoreHarness {
  readonly store: MediaStore;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly s3: S3Client;
  readonly settings: S3Settings;
  /** Keys of the objects under the test's prefix. */
  objects(): Promise<string[]>;
  close(): Promise<void>;
}

/** A MediaStore on `s3` (its bucket, a fresh object prefix) and the test Redis (a fresh key prefix). */
export function storeOn(s3: TestS3, options: Partial<MediaStoreOptions> = {}): StoreHarness {
  const redis = testRedis();
  const prefix = freshPrefix('media');
  const keys = createKeys(prefix);
  const settings = { ...s3.settings, prefix: `${freshPrefix('obj')}/` };
  const client = createS3Client(settings);
  const store = new MediaStore({ redis, keys, s3: client, bucket: settings.bucket, prefix: settings.prefix, signingSecret: TEST_SECRET, ...options });
  return {
    store,
    redis,
    keys,
    s3: client,
    settings,
    async objects() {
      const page = await client.send(new ListObjectsV2Command({ Bucket: settings.bucket, Prefix: settings.prefix }));
      return (page.Contents ?? []).map((object) => object.Key ?? '');
    },
    async close() {
      store.close();
      await cleanPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** `size` pseudo-random bytes, generated in 64 KiB chunks as they are read, and their sha256. */
export function generated(size: number, seed = 1): { stream: () => Readable; sha256: string } {
  const chunk = (index: number): Buffer => {
    const buffer = Buffer.alloc(64 * 1024);
    for (let i = 0; i < buffer.length; i += 4) buffer.writeUInt32LE(((index + 1) * 2654435761 + i * seed) >>> 0, i);
    return buffer;
  };
  const hash = createHash('sha256');
  for (let offset = 0, index = 0; offset < size; offset += 64 * 1024, index += 1) hash.update(chunk(index).subarray(0, Math.min(64 * 1024, size - offset)));
  return {
    sha256: hash.digest('hex'),
    stream: () =>
      Readable.from(
        (function* () {
          for (let offset = 0, index = 0; offset < size; offset += 64 * 1024, index += 1) yield chunk(index).subarray(0, Math.min(64 * 1024, size - offset));
        })(),
        { objectMode: false },
      ),
  };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const sha256Of = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
