import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { DiskOperationError, DiskThreads, FENCE_FILE } from '../src/auth-state';
import { makeTempDir, rejectionOf, removeTempDir } from './auth-state-helpers';

describe('auth-state: I/O threads', () => {
  let root: string;
  let disk: DiskThreads;

  beforeEach(async () => {
    root = await makeTempDir();
    disk = new DiskThreads(2);
  });
  afterEach(async () => {
    await disk.close();
    await removeTempDir(root);
  });

  it('opens a directory under an epoch, appends batches to its journal after the fence check, in call order', async () => {
    const dir = path.join(root, 'workspace_1', 's1');
    const journal = { maxBytes: 1 << 20, keepBytes: 1 << 19 };
    expect(await disk.open(dir, 3)).to.deep.equal({ fence: { kind: 'held' }, creds: undefined, keyFiles: [], journal: [] });
    expect(await fs.readFile(path.join(dir, FENCE_FILE), 'utf8')).to.equal('3\n');
    const writes = [1, 2, 3].map((n) =>
      disk.write({
        dir,
        epoch: 3,
        fsync: n === 3,
        changes: [
          { name: 'session~a.json', text: String(n) },
          { name: `session~b${n}.json`, text: 'x' },
        ],
        journal,
      }),
    );
    expect(await Promise.all(writes)).to.deep.equal([{ kind: 'held' }, { kind: 'held' }, { kind: 'held' }]);
    await disk.write({
      dir,
      epoch: 3,
      fsync: false,
      changes: [
        { name: 'session~b1.json', remove: true },
        { name: 'creds.json', text: '{}' },
      ],
      journal,
    });
    expect(await disk.open(dir, 3), 'the journal replayed, last write wins, in call order').to.deep.equal({
      fence: { kind: 'held' },
      creds: '{}',
      keyFiles: ['session~b2.json', 'session~a.json', 'session~b3.json'],
      journal: [
        { name: 'session~b2.json', text: 'x' },
        { name: 'session~a.json', text: '3' },
        { name: 'session~b3.json', text: 'x' },
        { name: 'session~b1.json', text: null },
      ],
    });
    expect(await disk.open(dir, 2), 'a lower epoch is refused').to.deep.equal({
      fence: { kind: 'stale', current: 3 },
      creds: undefined,
      keyFiles: [],
      journal: [],
    });
    const stale = await disk.write({ dir, epoch: 2, fsync: false, changes: [{ name: 'session~a.json', text: 'old owner' }], journal });
    expect(stale).to.deep.equal({ kind: 'stale', current: 3 });
    const after = (await disk.open(dir, 3)).journal.find((entry) => entry.name === 'session~a.json');
    expect(after, 'nothing written by a stale epoch').to.deep.equal({ name: 'session~a.json', text: '3' });
  });

  it('brings file system errors back with their code, syscall and path, and tells the observer each outcome', async () => {
    const seen: Array<[string, boolean]> = [];
    disk.observer = (op, seconds, failed) => {
      expect(seconds).to.be.within(0, 5);
      seen.push([op, failed]);
    };
    await disk.check(path.join(root, 'nowhere'), 1);
    const file = path.join(root, 'plain-file');
    await fs.writeFile(file, 'not a directory');
    const error = await rejectionOf(disk.open(path.join(file, 's1'), 1));
    expect(seen).to.deep.equal([
      ['check', false],
      ['open', true],
    ]);
    expect(error).to.be.instanceOf(DiskOperationError);
    expect(error.code).to.equal('ENOTDIR');
    expect((error as DiskOperationError).syscall).to.equal('mkdir');
  });

  it('close closes the journals its threads kept open between batches', async () => {
    const dir = path.join(root, 'workspace_1', 's3');
    const journalFds = async () => {
      const links = await Promise.all((await fs.readdir('/proc/self/fd')).map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')));
      return links.filter((link) => link.startsWith(dir)).length;
    };
    await disk.claim(dir, 1, 'test');
    await disk.open(dir, 1);
    await disk.write({ dir, epoch: 1, fsync: false, changes: [{ name: 'creds.json', text: '{}' }], journal: { maxBytes: 1 << 20, keepBytes: 1 << 19 } });
    expect(await journalFds(), 'kept open').to.equal(1);
    await disk.close();
    expect(await journalFds(), 'closed with the threads').to.equal(0);
  });

  it('close waits for operations in flight; later calls are refused', async () => {
    const dir = path.join(root, 'workspace_1', 's2');
    const opening = disk.open(dir, 1);
    await disk.close();
    expect((await opening).fence).to.deep.equal({ kind: 'held' });
    expect((await rejectionOf(disk.check(dir, 1))).message).to.match(/closed/);
  });
});
