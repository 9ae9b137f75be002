import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as tar from 'tar-stream';
import { UnsafeArchiveEntryError } from '../src/errors';
import { restoreSnapshot } from '../src/restore/restore';
import { MANIFEST_FORMAT, type SnapshotManifest } from '../src/snapshot/manifest';
import { newSnapshotId } from '../src/snapshot/snapshot-id';
import { takeSnapshot } from '../src/snapshot/take-snapshot';
import { SNAPSHOT_TUNING, startS3, tempDir, treeDigest, writeSession, type TestS3 } from './helpers';

async function tarOf(entries: Array<{ name: string; data: Buffer; type?: 'file' | 'symlink'; linkname?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else pack.entry({ name: e.name, type: 'file', size: e.data.length }, e.data);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return gzipSync(Buffer.concat(chunks));
}

describe('backup: hostile archives and snapshots of a tree being written', function () {
  this.timeout(60_000);
  let s3: TestS3;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    s3 = await startS3();
    root = await tempDir('storage');
    outside = await tempDir('outside');
    await writeSession(root, 1, 'alpha');
  });

  afterEach(async () => {
    await s3.close();
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(outside, { recursive: true, force: true });
  });

  async function uploadHostile(entries: Parameters<typeof tarOf>[0]): Promise<string> {
    const id = newSnapshotId();
    const archive = await tarOf(entries);
    await s3.store.client.send(new PutObjectCommand({ Bucket: s3.settings.bucket, Key: s3.store.archiveKey(id), Body: archive }));
    const data = entries[0]!.data;
    const manifest: SnapshotManifest = {
      format: MANIFEST_FORMAT,
      id,
      createdAt: new Date().toISOString(),
      slot: null,
      sessions: [
        {
          workspaceId: 1,
          sessionId: 'alpha',
          epoch: 1,
          files: [{ name: 'creds.json', size: data.length, sha256: createHash('sha256').update(data).digest('hex') }],
        },
      ],
      totals: { sessions: 1, workspaces: 1, files: 1, bytes: data.length },
      archive: { key: s3.store.archiveKey(id), bytes: archive.length, sha256: createHash('sha256').update(archive).digest('hex') },
      durationMs: 1,
    };
    await s3.store.putManifest(manifest);
    return id;
  }

  const escape = (): string => path.relative(root, path.join(outside, 'evil.json'));
  for (const [label, entries] of [
    [
      'a ../ path',
      () => [
        { name: `workspace_1/alpha/creds.json`, data: Buffer.from('{}') },
        { name: `workspace_1/alpha/${escape()}`, data: Buffer.from('x') },
      ],
    ],
    [
      'an absolute path',
      () => [
        { name: 'workspace_1/alpha/creds.json', data: Buffer.from('{}') },
        { name: path.join(outside, 'evil.json'), data: Buffer.from('x') },
      ],
    ],
    [
      'a symlink',
      () => [
        { name: 'workspace_1/alpha/creds.json', data: Buffer.from('{}') },
        { name: 'workspace_1/alpha/link.json', data: Buffer.alloc(0), type: 'symlink' as const, linkname: outside },
      ],
    ],
    [
      'a bad session id',
      () => [
        { name: 'workspace_1/alpha/creds.json', data: Buffer.from('{}') },
        { name: 'workspace_1/a b/creds.json', data: Buffer.from('x') },
      ],
    ],
  ] as const) {
    it(`refuses an archive with ${label} and writes nothing anywhere`, async () => {
      const before = await treeDigest(root);
      const id = await uploadHostile(entries());
      await assert.rejects(restoreSnapshot({ store: s3.store, snapshotId: id, storagePath: root }), UnsafeArchiveEntryError);
      assert.deepEqual(await treeDigest(root), before);
      assert.deepEqual(await fs.readdir(outside), []);
    });
  }

  it('a multipart snapshot taken while files are rewritten has no torn copy and restores verified', async () => {
    for (let i = 0; i < 30; i += 1) {
      const dir = path.join(root, 'workspace_5', `busy-${i}`);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, '.epoch'), '1\n');
      for (let k = 0; k < 10; k += 1) await fs.writeFile(path.join(dir, `blob~${k}.json`), randomBytes(25_000).toString('base64'));
    }
    const original = await treeDigest(root);
    const versions = new Map<string, Set<string>>();
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        const file = path.join(root, 'workspace_5', `busy-${n % 30}`, `blob~${n % 10}.json`);
        const text = `${n}:` + randomBytes(20_000).toString('base64');
        const temp = path.join(path.dirname(file), `.${path.basename(file)}.${n}.tmp`);
        await fs.writeFile(temp, text);
        await fs.rename(temp, file);
        const rel = path.relative(root, file);
        versions.set(rel, (versions.get(rel) ?? new Set()).add(createHash('sha256').update(text).digest('hex')));
        n += 1;
      }
      return n;
    })();
    const manifest = await takeSnapshot({ storagePath: root, store: s3.store, ...SNAPSHOT_TUNING });
    writing = false;
    const rewrites = await writer;
    assert.ok(manifest.archive.bytes > SNAPSHOT_TUNING.partSizeBytes, `archive ${manifest.archive.bytes} B should need several parts`);
    assert.ok(rewrites > 0);
    await fs.rm(path.join(root, 'workspace_5'), { recursive: true });
    await restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root });
    const restored = await treeDigest(root);
    for (const [rel, sha] of restored) {
      assert.ok(!rel.endsWith('.tmp'), `temp file restored: ${rel}`);
      // alpha was replaced while its directory existed: its fence was raised above the live one.
      if (rel === 'workspace_1/alpha/.epoch') continue;
      assert.ok(original.get(rel) === sha || versions.get(rel)?.has(sha), `${rel} is neither an old nor a new version`);
    }
  });
});
