import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { fenceHolder, formatFence, parseFence } from '../src/auth-state';
import { checkFence, claimFence } from '../src/auth-state/disk-ops';

describe('auth state: the .epoch fence file (real files)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'fleet-fence-file-')), 'workspace_1', 's1');
  });
  afterEach(async () => rm(path.dirname(path.dirname(dir)), { recursive: true, force: true }));

  it('reads old bare-number fences and holder-bound ones; refuses anything else', () => {
    expect(parseFence('57\n')).to.deep.equal({ epoch: 57, holder: undefined });
    expect(parseFence('  12  ')).to.deep.equal({ epoch: 12, holder: undefined });
    expect(parseFence('9 worker-2 5b1c0e8e-1f5b-4c41-9c39-0a8b3a7d2f10\n')).to.deep.equal({
      epoch: 9,
      holder: 'worker-2 5b1c0e8e-1f5b-4c41-9c39-0a8b3a7d2f10',
    });
    for (const bad of ['', 'x', '-3', '1.5', '99999999999999999999']) expect(parseFence(bad), bad).to.equal(undefined);
    expect(formatFence(9, 'w i')).to.equal('9 w i\n');
    expect(formatFence(9)).to.equal('9\n');
    // Older readers (workers before this format, the backup) parse the leading integer only.
    expect(Number.parseInt(formatFence(9, 'w i'), 10)).to.equal(9);
    expect(() => fenceHolder({ instanceId: 'a b', incarnation: 'x' })).to.throw(RangeError);
  });

  it('a claim under a number the directory already saw is refused with that fence; the next number wins and fences the older run', async () => {
    expect(claimFence(dir, 5, 'w1 inc-1')).to.deep.equal({ kind: 'held' });
    expect(await readFile(path.join(dir, '.epoch'), 'utf8')).to.equal('5 w1 inc-1\n');
    expect(claimFence(dir, 5, 'w2 inc-2'), 'the same number handed out twice').to.deep.equal({ kind: 'stale', current: 5 });
    expect(claimFence(dir, 4, 'w2 inc-2')).to.deep.equal({ kind: 'stale', current: 5 });
    expect(claimFence(dir, 6, 'w2 inc-2')).to.deep.equal({ kind: 'held' });
    expect(checkFence(dir, 5)).to.deep.equal({ kind: 'stale', current: 6 });
    expect(checkFence(dir, 6)).to.deep.equal({ kind: 'held' });
    await writeFile(path.join(dir, '.epoch'), '40\n');
    expect(claimFence(dir, 7, 'w2 inc-2'), 'a bare (old or restored) fence counts the same').to.deep.equal({ kind: 'stale', current: 40 });
  });
});
