import type { S3Settings } from '../src/settings';
import { createS3Client } from '../src/s3/client';
import { SnapshotStore } from '../src/s3/snapshot-store';
import { startTestS3 } from '@fleet/testing';

export { tempDir, treeDigest, writeSessionDir as writeSession } from '@fleet/testing';

/** A real S3-compatible server (s3rver) on a free loopback port with a snapshot store over it. */
export async function startS3(bucket = 'fleet-test') {
  const server = await startTestS3(bucket);
  const store = new SnapshotStore(createS3Client(server.settings), server.settings);
  return { settings: server.settings as S3Settings, store, dir: server.dir, close: async () => (store.client.destroy(), server.close()) };
}
export type TestS3 = Awaited<ReturnType<typeof startS3>>;

export const SNAPSHOT_TUNING = { partSizeBytes: 5 * 1024 * 1024, uploadQueueSize: 2, gzipLevel: 6 } as const;
