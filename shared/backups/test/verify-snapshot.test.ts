import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SnapshotNotFoundError } from '../src/errors';
import { takeSnapshot } from '../src/snapshot/take-snapshot';
import { verifySnapshot } from '../src/snapshot/verify-snapshot';
import { SNAPSHOT_TUNING, startS3, tempDir, writeSession, type TestS3 } from './helpers';

describe('backup: verifying a stored snapshot (read back from S3, checked against its manifest)', function () {
  this.timeout(60_000);
  let s3: TestS3;
  let root: string;

  beforeEach(async () => {
    s3 = await startS3();
    root = await tempDir('storage');
    await writeSession(root, 1, 'alpha', { epoch: 4 });
    await writeSession(root, 2, 'gamma', { epoch: 2, keys: 20 });
  });

  afterEach(async () => {
    await s3.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const snapshot = () => takeSnapshot({ storagePath: root, store: s3.store, ...SNAPSHOT_TUNING });

  async function rewriteArchive(id: string, change: (bytes: Buffer) => Buffer): Promise<void> {
    const key = s3.store.archiveKey(id);
    const got = await s3.store.client.send(new GetObjectCommand({ Bucket: s3.settings.bucket, Key: key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    await s3.store.client.send(new PutObjectCommand({ Bucket: s3.settings.bucket, Key: key, Body: change(bytes) }));
  }

  it('a sound snapshot verifies; the result is stored beside it and the listing says so', async () => {
    const manifest = await snapshot();
    assert.deepEqual(
      (await s3.store.list()).map((l) => l.verificationStored),
      [false],
    );
    assert.equal(await s3.store.getVerification(manifest.id), undefined);
    const result = await verifySnapshot(s3.store, manifest.id);
    assert.equal(result.ok, true);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      (await s3.store.list()).map((l) => [l.id, l.verificationStored]),
      [[manifest.id, true]],
    );
    const stored = await s3.store.getVerification(manifest.id);
    assert.deepEqual(stored, result);
  });

  it('a file changed inside the archive (gzip still valid, sizes equal) fails with the file named', async () => {
    const manifest = await snapshot();
    await rewriteArchive(manifest.id, (bytes) => {
      const tar = gunzipSync(bytes);
      // Flip one byte in the content of the first file entry (after the first 512-byte header).
      tar[512] = tar[512]! ^ 0xff;
      return gzipSync(tar);
    });
    const result = await verifySnapshot(s3.store, manifest.id);
    assert.equal(result.ok, false);
    assert.ok(
      result.problems.some((p) => /sha256 does not match/.test(p)),
      result.problems.join('; '),
    );
    assert.equal((await s3.store.getVerification(manifest.id))?.ok, false);
  });

  it('a truncated archive fails', async () => {
    const manifest = await snapshot();
    await rewriteArchive(manifest.id, (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await verifySnapshot(s3.store, manifest.id);
    assert.equal(result.ok, false);
    assert.ok(result.problems.length > 0);
  });

  it('an unknown snapshot id throws BACKUP_NOT_FOUND and stores nothing', async () => {
    await assert.rejects(verifySnapshot(s3.store, '20260101T000000Z-abcd'), SnapshotNotFoundError);
    assert.deepEqual(await s3.store.list(), []);
  });
});
