import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker, type Job } from 'bullmq';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { createS3Client, readS3Settings, SnapshotStore, takeSnapshot, verifySnapshot, type S3Settings } from '@fleet/backups';
import { EnvReader } from '@fleet/config';
import { testRedis, waitFor } from '@fleet/testing';
import { startIngress, type IngressHarness } from './helpers';
import { startS3 } from './media-helpers';

const BUCKET = 'fleet-media-test';

/** A session tree with one session of a few files, for real snapshots. */
async function writeTree(): Promise<string> {
  const root = await fs.mkdtemp(path.join(tmpdir(), 'fleet-ingress-tree-'));
  const dir = path.join(root, 'workspace_3', 'bk-1');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, '.epoch'), '2\n');
  await fs.writeFile(path.join(dir, 'creds.json'), JSON.stringify({ key: randomBytes(64).toString('base64') }));
  return root;
}

describe('ingress: backup routes (in-process, real Redis, s3rver and the backup queue)', function () {
  this.timeout(60_000);
  let s3: Awaited<ReturnType<typeof startS3>>;
  let h: IngressHarness;
  let settings: S3Settings;
  let store: SnapshotStore;
  let tree: string;
  const workers: Worker[] = [];

  before(async () => {
    s3 = await startS3();
    tree = await writeTree();
  });
  after(async () => {
    await s3.close();
    await fs.rm(tree, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const reader = new EnvReader({
      S3_ENDPOINT: `http://127.0.0.1:${s3.port}`,
      S3_BUCKET: BUCKET,
      S3_PREFIX: `t-${randomBytes(4).toString('hex')}`,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    });
    settings = reader.finish(readS3Settings(reader));
    store = new SnapshotStore(createS3Client(settings), settings);
    h = await startIngress({ backups: settings });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    store.client.destroy();
    await h.close();
  });

  const snapshot = () => takeSnapshot({ storagePath: tree, store, partSizeBytes: 5 * 1024 * 1024, uploadQueueSize: 1, gzipLevel: 1 });

  /** A consumer of the backup queue standing in for the backup service: it records the jobs it is given. */
  function consumer(hold: () => Promise<void> = async () => undefined): Job[] {
    const seen: Job[] = [];
    const { keys } = h.ingress.deps;
    const worker = new Worker(
      keys.backupQueue,
      async (job) => {
        seen.push(job);
        await hold();
        return { ok: true };
      },
      { connection: testRedis(), prefix: keys.bullPrefix },
    );
    workers.push(worker);
    return seen;
  }

  it('lists snapshots newest first with size, age, completeness and verification state', async () => {
    const empty = await h.call('GET', '/api/admin/backups');
    expect(empty.status).to.equal(200);
    expect(empty.body).to.deep.equal({ snapshots: [], total: 0, pending: [], backup_service: { consumers: 0 } });

    const older = await snapshot();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // ids have second precision
    const newer = await snapshot();
    await verifySnapshot(store, older.id);
    const listed = await h.call('GET', '/api/admin/backups');
    expect(listed.status).to.equal(200);
    expect(listed.body.total).to.equal(2);
    expect(listed.body.snapshots.map((s: any) => s.snapshot_id)).to.deep.equal([newer.id, older.id]);
    const [first, second] = listed.body.snapshots;
    expect(first).to.deep.include({
      archive_bytes: newer.archive.bytes,
      complete: true,
      verification: { state: 'unverified', verified_at: null, problems: [] },
    });
    expect(first.age_seconds).to.be.within(0, 30);
    expect(first.created_at).to.equal(Date.parse(newer.createdAt.replace(/\.\d{3}Z$/, 'Z')));
    expect(second.verification.state).to.equal('verified');
    expect(second.verification.verified_at).to.be.closeTo(Date.now(), 30_000);

    const limited = await h.call('GET', '/api/admin/backups?limit=1');
    expect(limited.body.snapshots.map((s: any) => s.snapshot_id)).to.deep.equal([newer.id]);
    expect(limited.body.total).to.equal(2);
    expect((await h.call('GET', '/api/admin/backups?limit=0')).body.error.code).to.equal('VALIDATION_FAILED');
  });

  it('a corrupt snapshot shows as corrupt with its problems', async () => {
    const manifest = await snapshot();
    await store.client.send(new PutObjectCommand({ Bucket: settings.bucket, Key: store.archiveKey(manifest.id), Body: Buffer.from('not a gzip archive') }));
    await verifySnapshot(store, manifest.id);
    const listed = await h.call('GET', '/api/admin/backups');
    expect(listed.body.snapshots[0].verification.state).to.equal('corrupt');
    expect(listed.body.snapshots[0].verification.problems.join(' ')).to.match(/bytes|sha256|cannot be read/);
  });

  it('take one now: 503 BACKUP_SERVICE_UNAVAILABLE with no backup service; with one, a backup.snapshot job, never two pending at once', async () => {
    const refused = await h.call('POST', '/api/admin/backups');
    expect(refused.status).to.equal(503);
    expect(refused.body.error.code).to.equal('BACKUP_SERVICE_UNAVAILABLE');

    // A consumer that holds what it takes until released: the request stays pending (waiting, then running).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen = consumer(() => held);
    await workers[0]!.waitUntilReady();
    const first = await h.call('POST', '/api/admin/backups');
    expect(first.status).to.equal(202);
    expect(first.body).to.deep.include({ kind: 'snapshot', snapshot_id: null, state: 'waiting' });
    const again = await h.call('POST', '/api/admin/backups');
    expect(again.status, 'one waiting or running: that one').to.equal(200);
    expect(again.body.request_id).to.equal(first.body.request_id);
    const listed = await h.call('GET', '/api/admin/backups');
    expect(listed.body.pending.map((p: any) => p.request_id)).to.deep.equal([first.body.request_id]);
    expect(listed.body.backup_service.consumers).to.equal(1);
    // Two ingresses asking at once still make one request (BullMQ's deduplication is atomic).
    const both = await Promise.all([h.call('POST', '/api/admin/backups'), h.call('POST', '/api/admin/backups')]);
    expect(both.map((answer) => answer.body.request_id)).to.deep.equal([first.body.request_id, first.body.request_id]);

    await waitFor(() => seen.length === 1, { what: 'the request taken' });
    expect(seen[0]!.name).to.equal('backup.snapshot');
    expect(seen[0]!.id).to.equal(first.body.request_id);
    release();
    await waitFor(async () => (await h.call('GET', '/api/admin/backups')).body.pending.length === 0, { what: 'the request done' });
    const next = await h.call('POST', '/api/admin/backups');
    expect(next.status, 'once done, a new request').to.equal(202);
    expect(next.body.request_id).not.to.equal(first.body.request_id);
  });

  it('verify: a backup.verify job for a complete snapshot; 404 BACKUP_NOT_FOUND for an unknown one, 400 for a malformed id', async () => {
    const manifest = await snapshot();
    expect((await h.call('POST', `/api/admin/backups/${manifest.id}/verify`)).body.error.code).to.equal('BACKUP_SERVICE_UNAVAILABLE');
    const seen = consumer();
    await workers[0]!.waitUntilReady();
    const queued = await h.call('POST', `/api/admin/backups/${manifest.id}/verify`);
    expect(queued.status).to.equal(202);
    expect(queued.body).to.deep.include({ kind: 'verify', snapshot_id: manifest.id });
    await waitFor(() => seen.length === 1, { what: 'the verification taken' });
    expect(seen[0]!.name).to.equal('backup.verify');
    expect(seen[0]!.data).to.deep.equal({ snapshot_id: manifest.id });

    const unknown = await h.call('POST', '/api/admin/backups/20200101T000000Z-abcdef/verify');
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal('BACKUP_NOT_FOUND');
    const malformed = await h.call('POST', '/api/admin/backups/..%2F..%2Fetc/verify');
    expect(malformed.status).to.equal(400);
  });

  it('S3 not answering: 503 DEPENDENCY_UNAVAILABLE, not a 500', async () => {
    const down = await startIngress();
    try {
      const answer = await down.call('GET', '/api/admin/backups');
      expect(answer.status).to.equal(503);
      expect(answer.body.error.code).to.equal('DEPENDENCY_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });
});
