import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { restoreSnapshot, SessionControl, takeSnapshot } from '@fleet/backups';
import { StaleEpochError } from '@fleet/errors';
import { createKeys } from '@fleet/keys';
import { SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { FileAuthState } from '@fleet/worker';
import { SNAPSHOT_TUNING, startS3, tempDir, writeSession, type TestS3 } from './helpers';

describe("backup: restore never lowers a fence (real S3-compatible server, real files, the worker's fenced auth state)", function () {
  this.timeout(90_000);
  let s3: TestS3;
  let root: string;
  let redis: Redis;
  let prefix: string;

  beforeEach(async () => {
    s3 = await startS3();
    root = await tempDir('storage');
    redis = testRedis();
    prefix = freshPrefix('bkfence');
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await s3.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("the restored fence is above the live directory's and the record's epoch, so no run from before the restore writes into it", async () => {
    await writeSession(root, 1, 'alpha', { epoch: 4 });
    await writeSession(root, 1, 'beta', { epoch: 7 });
    const manifest = await takeSnapshot({ storagePath: root, store: s3.store, ...SNAPSHOT_TUNING });
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    await sessions.create({ sessionId: 'alpha', workspaceId: 1, accountId: '1', shard: 0 });
    await sessions.update('alpha', { desired: 'stopped', status: 'stopped', epoch: 12 });
    // A run of alpha after the snapshot, under epoch 9, that still holds its store (a zombie).
    const zombie = await FileAuthState.open({ dir: path.join(root, 'workspace_1', 'alpha'), sessionId: 'alpha', epoch: 9, fsync: false });
    const control = new SessionControl({ redis, keys, pollMs: 20 });
    try {
      await restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, control, waitMs: 500 });
    } finally {
      await control.close();
    }
    const fence = async (id: string): Promise<number> => Number.parseInt(await fs.readFile(path.join(root, 'workspace_1', id, '.epoch'), 'utf8'), 10);
    assert.ok((await fence('alpha')) > 12, `alpha's fence went down to ${await fence('alpha')}`);
    assert.ok((await fence('beta')) >= 7, `beta's fence went down to ${await fence('beta')}`);
    const refused = await zombie.saveCreds().then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused instanceof StaleEpochError, 'a run from before the restore wrote into the restored directory');
  });
});
