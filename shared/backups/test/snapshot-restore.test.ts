import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SnapshotCorruptError, SnapshotNotFoundError, RestoreScopeError } from '../src/errors';
import { restoreSnapshot } from '../src/restore/restore';
import { takeSnapshot } from '../src/snapshot/take-snapshot';
import { SNAPSHOT_TUNING, startS3, tempDir, treeDigest, writeSession, type TestS3 } from './helpers';

describe('backup: snapshot and restore against a real S3-compatible server', function () {
  this.timeout(60_000);
  let s3: TestS3;
  let root: string;

  beforeEach(async () => {
    s3 = await startS3();
    root = await tempDir('storage');
    await writeSession(root, 1, 'alpha', { epoch: 4 });
    await writeSession(root, 1, 'beta', { epoch: 7, keys: 30 });
    await writeSession(root, 2, 'gamma', { epoch: 2 });
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

  it('writes a manifest with per-file sha256, sizes and each session epoch, and skips temporary files', async () => {
    await fs.writeFile(path.join(root, 'workspace_1', 'alpha', '.creds.json.123.1.abcd.tmp'), 'half-written');
    await fs.mkdir(path.join(root, 'lost+found'));
    const manifest = await snapshot();
    assert.deepEqual(
      manifest.sessions.map((s) => [s.workspaceId, s.sessionId, s.epoch]),
      [
        [1, 'alpha', 4],
        [1, 'beta', 7],
        [2, 'gamma', 2],
      ],
    );
    const alpha = manifest.sessions[0]!;
    assert.ok(alpha.files.some((f) => f.name === 'creds.json' && /^[0-9a-f]{64}$/.test(f.sha256) && f.size > 0));
    assert.ok(!alpha.files.some((f) => f.name.endsWith('.tmp')), 'temp file archived');
    assert.equal(manifest.totals.sessions, 3);
    assert.equal(manifest.totals.workspaces, 2);
    assert.ok(manifest.archive.bytes > 0);
    const listed = await s3.store.list();
    assert.deepEqual(
      listed.map((l) => [l.id, l.complete]),
      [[manifest.id, true]],
    );
    assert.match(manifest.id, /^\d{8}T\d{6}Z-[0-9a-f]+$/);
  });

  it('snapshot, delete every workspace, restore: byte-identical files', async () => {
    const before = await treeDigest(root);
    const manifest = await snapshot();
    for (const name of await fs.readdir(root)) await fs.rm(path.join(root, name), { recursive: true });
    const phases = new Set<string>();
    const report = await restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, onProgress: (p) => phases.add(p.phase) });
    assert.deepEqual(await treeDigest(root), before);
    assert.deepEqual(
      report.sessions.map((s) => [s.sessionId, s.outcome, s.replaced]),
      [
        ['alpha', 'restored', false],
        ['beta', 'restored', false],
        ['gamma', 'restored', false],
      ],
    );
    assert.ok(phases.has('download') && phases.has('swap'));
    assert.deepEqual((await fs.readdir(root)).sort(), ['workspace_1', 'workspace_2'], 'staging directory left behind');
  });

  it('restores one workspace and leaves the others as they are', async () => {
    const manifest = await snapshot();
    await writeSession(root, 1, 'alpha', { epoch: 9 });
    await fs.rm(path.join(root, 'workspace_1', 'beta'), { recursive: true });
    await writeSession(root, 2, 'gamma', { epoch: 11 });
    await writeSession(root, 3, 'delta', { epoch: 1 });
    const otherBefore = [...(await treeDigest(root))].filter(([p]) => !p.startsWith('workspace_1/'));
    const report = await restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, workspaceId: 1 });
    assert.deepEqual(report.workspaces, [1]);
    assert.deepEqual(
      report.sessions.map((s) => [s.sessionId, s.replaced]),
      [
        ['alpha', true],
        ['beta', false],
      ],
    );
    const after = await treeDigest(root);
    assert.deepEqual(
      [...after].filter(([p]) => !p.startsWith('workspace_1/')),
      otherBefore,
    );
    // The snapshot's fence (4) would be below the live one (9): the restored fence goes above it instead.
    assert.equal(await fs.readFile(path.join(root, 'workspace_1', 'alpha', '.epoch'), 'utf8'), '10\n');
    assert.deepEqual(
      report.sessions.map((s) => [s.sessionId, s.snapshotEpoch, s.fenceEpoch]),
      [
        ['alpha', 4, 10],
        ['beta', 7, 7],
      ],
    );
    assert.ok(after.has('workspace_1/beta/creds.json'));
    await assert.rejects(restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, workspaceId: 3 }), RestoreScopeError);
  });

  for (const [label, change] of [
    [
      'corrupted (one byte flipped)',
      (b: Buffer) => {
        const c = Buffer.from(b);
        c[Math.floor(c.length / 2)]! ^= 0xff;
        return c;
      },
    ],
    ['truncated (first half only)', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
    ['truncated (last 100 bytes cut)', (b: Buffer) => b.subarray(0, b.length - 100)],
  ] as const) {
    it(`refuses a ${label} snapshot with a clear error and changes nothing`, async () => {
      const manifest = await snapshot();
      await writeSession(root, 1, 'alpha', { epoch: 12 });
      await fs.rm(path.join(root, 'workspace_2'), { recursive: true });
      const before = await treeDigest(root);
      await rewriteArchive(manifest.id, change);
      await assert.rejects(
        restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root }),
        (error: unknown) => error instanceof SnapshotCorruptError && error.code === 'BACKUP_CORRUPT' && /nothing was changed/.test(error.message),
      );
      assert.deepEqual(await treeDigest(root), before);
      assert.deepEqual((await fs.readdir(root)).sort(), ['workspace_1'], 'staging directory left behind');
    });
  }

  it('dry run verifies everything and changes nothing; an unknown snapshot is a clear error', async () => {
    const manifest = await snapshot();
    await fs.rm(path.join(root, 'workspace_1', 'alpha'), { recursive: true });
    const before = await treeDigest(root);
    const report = await restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, dryRun: true });
    assert.equal(report.dryRun, true);
    assert.deepEqual(
      report.sessions.map((s) => [s.sessionId, s.outcome, s.replaced]),
      [
        ['alpha', 'would_restore', false],
        ['beta', 'would_restore', true],
        ['gamma', 'would_restore', true],
      ],
    );
    assert.deepEqual(await treeDigest(root), before);
    await assert.rejects(restoreSnapshot({ store: s3.store, snapshotId: '20200101T000000Z-abcd', storagePath: root }), SnapshotNotFoundError);
  });
});
