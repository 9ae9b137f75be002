import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { Queue } from 'bullmq';
import { BackupRequests } from '@fleet/backups';
import { createKeys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL, testRedis, waitFor } from '@fleet/testing';
import { readBackupConfig, type BackupConfig } from '../src/config';
import { createBackupService, SNAPSHOT_JOB, type BackupService } from '../src/service/backup-service';
import { startS3, tempDir, writeSession, type TestS3 } from './helpers';

describe('backup service: scheduled snapshots', function () {
  this.timeout(60_000);
  let s3: TestS3;
  let root: string;
  let prefix: string;
  /** Redis prefixes of the tests after the first: its every-second scheduler may leave a job behind. */
  const prefixes: string[] = [];
  const services: BackupService[] = [];

  before(async () => {
    s3 = await startS3();
    root = await tempDir('storage');
    prefix = freshPrefix('bk');
    await writeSession(root, 1, 'alpha');
    await writeSession(root, 2, 'beta');
  });

  after(async () => {
    await Promise.all(services.map((s) => s.close()));
    const redis = testRedis();
    await cleanPrefix(redis, prefix);
    for (const other of prefixes) await cleanPrefix(redis, other);
    redis.disconnect();
    await s3.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  /** A service's config; `own` gives it a Redis prefix and S3 prefix of its own (no other test's jobs or snapshots). */
  function config(cron: string, own?: string): BackupConfig {
    return readBackupConfig({
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: own ?? prefix,
      SESSION_STORAGE_PATH: root,
      BACKUP_CRON: cron,
      BACKUP_HOST: '127.0.0.1',
      BACKUP_PORT: '0',
      S3_BUCKET: s3.settings.bucket,
      S3_PREFIX: own ? `${s3.settings.prefix}${own}/` : s3.settings.prefix,
      S3_ENDPOINT: s3.settings.endpoint,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
  }

  it('two backup processes on one schedule take exactly one snapshot per slot', async () => {
    const a = createBackupService(config('* * * * * *'), { logger: createSilentLogger(), instanceId: 'a' });
    const b = createBackupService(config('* * * * * *'), { logger: createSilentLogger(), instanceId: 'b' });
    services.push(a, b);
    const [urlA] = await Promise.all([a.start(), b.start()]);
    const keys = createKeys(prefix);
    const redis = testRedis();
    const queue = new Queue(keys.backupQueue, { connection: redis, prefix: keys.bullPrefix });
    const finished = async () => (await queue.getJobs(['completed', 'failed'])).filter((job) => job.name === SNAPSHOT_JOB);
    try {
      // Three slots at least (one a second), however slowly a loaded machine runs them.
      await waitFor(async () => (await finished()).length >= 3, { what: 'three snapshot slots', timeoutMs: 30_000 });
      await Promise.all([a.close(), b.close()]);
      const done = await finished();
      const slots = done.map((job) => job.opts.prevMillis);
      assert.equal(new Set(slots).size, slots.length, `a slot ran twice: ${slots.join(',')}`);
      assert.ok(
        done.every((job) => job.finishedOn && !job.failedReason),
        'a snapshot job failed',
      );
      const ran = async (s: BackupService): Promise<number> => (await s.metrics.snapshots.get()).values.find((v) => v.labels.outcome === 'ok')?.value ?? 0;
      assert.equal((await ran(a)) + (await ran(b)), done.length, 'more snapshots were taken than slots');
      // Retention (24 hourly) leaves the newest of this hour only.
      const listed = await a.store.list();
      assert.equal(listed.filter((l) => l.complete).length, 1);
      const manifest = await a.store.getManifest(listed.at(-1)!.id);
      assert.ok(slots.includes(manifest.slot ?? -1), 'the manifest does not record its slot');
    } finally {
      await queue.close();
      redis.disconnect();
    }
    assert.ok(urlA.port > 0);
  });

  it('serves /health with the last snapshot and /metrics with backup age, duration and size', async () => {
    const own = freshPrefix('bk-c');
    prefixes.push(own);
    const service = createBackupService(config('0 0 1 1 *', own), { logger: createSilentLogger(), instanceId: 'c' });
    services.push(service);
    const { url } = await service.start();
    const before = (await (await fetch(`${url}/health`)).json()) as { last_snapshot: unknown };
    assert.equal(before.last_snapshot, null);
    const manifest = await service.snapshotNow();
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; last_snapshot: { id: string } };
    assert.equal(health.status, 'healthy');
    assert.equal(health.last_snapshot.id, manifest.id);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /fleet_backup_last_success_timestamp_seconds\{[^}]*\} [1-9]\d+/);
    assert.match(metrics, new RegExp(`fleet_backup_last_archive_bytes\\{[^}]*\\} ${manifest.archive.bytes}`));
    assert.match(metrics, /fleet_backup_last_duration_seconds/);
    assert.match(metrics, /fleet_backup_snapshots_total\{[^}]*outcome="ok"[^}]*\} 1/);
    assert.match(metrics, /fleet_backup_verifications_total\{[^}]*outcome="ok"[^}]*\} 1/);
    assert.equal((await service.store.getVerification(manifest.id))?.ok, true, 'the new snapshot was not verified');
    await service.close();
  });

  it('takes the requests made through the backup queue: a snapshot now (verified), a verification, never twice at once', async () => {
    const own = freshPrefix('bk-d');
    prefixes.push(own);
    const service = createBackupService(config('0 0 1 1 *', own), { logger: createSilentLogger(), instanceId: 'd' });
    services.push(service);
    const redis = testRedis();
    const requests = new BackupRequests(redis, createKeys(own));
    try {
      assert.equal(await requests.consumers(), 0);
      await service.start();
      await waitFor(async () => (await requests.consumers()) > 0, { what: 'the backup worker consumes' });
      const before = new Set((await service.store.list()).map((l) => l.id));
      const first = await requests.requestSnapshot();
      const again = await requests.requestSnapshot();
      assert.equal(first.created, true);
      // Either still pending (the same request comes back) or already taken and done (a new one).
      if (!again.created) assert.equal(again.request.id, first.request.id);
      const taken = (await waitFor(async () => (await service.store.list()).find((l) => !before.has(l.id) && l.complete && l.verificationStored), {
        what: 'requested snapshot, verified',
        timeoutMs: 30_000,
      }))!;
      assert.equal((await service.store.getVerification(taken.id))?.ok, true);
      await waitFor(async () => (await requests.pending()).length === 0, { what: 'requests done' });

      const firstCheck = (await service.store.getVerification(taken.id))!.verifiedAt;
      const verify = await requests.requestVerify(taken.id);
      assert.equal(verify.request.kind, 'verify');
      assert.equal(verify.request.snapshotId, taken.id);
      await waitFor(async () => ((await service.store.getVerification(taken.id))?.verifiedAt ?? 0) > firstCheck, { what: 'verified again' });
    } finally {
      await requests.close();
      redis.disconnect();
      await service.close();
    }
  });

  it('names every bad variable at once', () => {
    assert.throws(
      () => readBackupConfig({ BACKUP_CRON: 'hourly', S3_BUCKET: 'A_B', S3_ACCESS_KEY_ID: 'x', BACKUP_KEEP_DAILY: '-1' }),
      (error: Error) =>
        ['SESSION_STORAGE_PATH', 'BACKUP_CRON', 'S3_BUCKET', 'S3_SECRET_ACCESS_KEY', 'BACKUP_KEEP_DAILY'].every((name) => error.message.includes(name)),
    );
    const defaults = readBackupConfig({ SESSION_STORAGE_PATH: '/x' });
    assert.deepEqual(defaults.retention, { hourly: 24, daily: 7, weekly: 4 });
    assert.equal(defaults.cron, '0 * * * *');
    assert.equal(defaults.s3.forcePathStyle, false);
    assert.equal(readBackupConfig({ SESSION_STORAGE_PATH: '/x', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_PREFIX: 'a/b' }).s3.prefix, 'a/b/');
  });
});
