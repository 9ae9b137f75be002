import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { startProcess } from '@fleet/testing';
import { restoreSnapshot, type RestoreProgress } from '../src/restore/restore';
import { takeSnapshot } from '../src/snapshot/take-snapshot';
import { SNAPSHOT_TUNING, startS3, tempDir, treeDigest, writeSession, type TestS3 } from './helpers';

/** Every file of the tree but restore staging (`.restore-*`), relative path → sha256. */
async function liveTree(root: string): Promise<Map<string, string>> {
  return new Map([...(await treeDigest(root))].filter(([file]) => !file.startsWith('.restore-')));
}

async function stagingDirs(root: string): Promise<string[]> {
  return (await fs.readdir(root)).filter((name) => name.startsWith('.restore-')).map((name) => path.join(root, name));
}

/**
 * `chattr +a` on a directory: files can still be created in it, but no entry can leave it (rename or
 * unlink answer EPERM, even for root). A real fault the kernel raises in the middle of a swap.
 */
function appendOnly(dir: string, on: boolean): void {
  execFileSync('chattr', [on ? '+a' : '-a', dir]);
}

describe('backup: restore never loses what it replaces (real S3-compatible server, real files)', function () {
  this.timeout(90_000);
  let s3: TestS3;
  let root: string;

  beforeEach(async () => {
    s3 = await startS3();
    root = await tempDir('storage');
  });

  afterEach(async () => {
    for (const dir of await stagingDirs(root).catch(() => [])) {
      for (const ws of (await fs.readdir(dir).catch(() => [])).filter((name) => name.startsWith('workspace_'))) {
        try {
          appendOnly(path.join(dir, ws), false);
        } catch {
          // already gone
        }
      }
    }
    await s3.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const snapshot = () => takeSnapshot({ storagePath: root, store: s3.store, ...SNAPSHOT_TUNING });

  it('a swap that fails part-way puts every directory back as it was (old credentials kept, nothing half-done)', async () => {
    await writeSession(root, 1, 'alpha', { epoch: 4 });
    await writeSession(root, 1, 'beta', { epoch: 7 });
    await writeSession(root, 2, 'gamma', { epoch: 8 });
    const manifest = await snapshot();
    // The sessions ran on after the snapshot: new credentials and keys.
    await writeSession(root, 1, 'alpha', { epoch: 9 });
    await writeSession(root, 1, 'beta', { epoch: 9 });
    await writeSession(root, 2, 'gamma', { epoch: 10 });
    const before = await liveTree(root);

    let armed = false;
    const onProgress = (p: RestoreProgress): void => {
      if (armed || p.phase !== 'download') return;
      armed = true;
      // gamma's restored directory can be created and filled, but not moved into the tree.
      appendOnly(path.join(stagingDirsSync(root)[0]!, 'workspace_2'), true);
    };
    await assert.rejects(
      restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, onProgress }),
      (error: Error & { code?: string }) => error.code === 'RESTORE_SWAP_FAILED' && /put back/.test(error.message),
    );
    assert.ok(armed, 'the fault was never injected');
    assert.deepEqual(await liveTree(root), before, 'the tree is not what it was before the restore');
  });

  it('after a crash in the middle of the swap, the next restore first puts back what the crashed one replaced', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    for (const id of ids) await writeSession(root, 1, id, { epoch: 3, keys: 2 });
    await writeSession(root, 2, 'gamma', { epoch: 3 });
    const manifest = await snapshot();
    for (const id of ids) await writeSession(root, 1, id, { epoch: 5, keys: 2 });
    const workspace1 = async (): Promise<Array<[string, string]>> => [...(await liveTree(root))].filter(([file]) => file.startsWith('workspace_1/'));
    const before = await workspace1();

    const child = startProcess(path.join(__dirname, 'fixtures', 'restore-until-killed.js'), {
      TEST_S3_SETTINGS: JSON.stringify(s3.settings),
      TEST_SNAPSHOT_ID: manifest.id,
      TEST_STORAGE_PATH: root,
    });
    await new Promise<void>((resolve) => child.child.once('exit', () => resolve()));
    assert.equal(child.child.signalCode, 'SIGKILL', `the restore was not killed mid-swap: ${child.output()}`);
    assert.notDeepEqual(await workspace1(), before, 'the crash came before anything was swapped');

    await restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, workspaceId: 2 });
    assert.deepEqual(await workspace1(), before, 'workspace 1 was left half-restored by the crashed restore');
    assert.deepEqual(await stagingDirs(root), [], "the crashed restore's staging (holding old credentials) is still there");
  });
});

function stagingDirsSync(root: string): string[] {
  return readdirSync(root)
    .filter((name) => name.startsWith('.restore-'))
    .map((name) => path.join(root, name));
}
