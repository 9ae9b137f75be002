import { expect } from 'chai';
import { placeShards, shardCap, shardOf, shardsByWorker } from '../src';

const workers = (n: number): string[] => Array.from({ length: n }, (_, i) => `instance-${i + 1}`);

function moves(before: readonly string[], after: readonly string[]): Array<{ shard: number; from: string; to: string }> {
  return before.flatMap((from, shard) => (after[shard] !== from ? [{ shard, from, to: after[shard]! }] : []));
}

describe('ring: shardOf', () => {
  it('maps a workspace to the same shard every time and spreads workspaces over all shards', () => {
    expect(shardOf(5, 128)).to.equal(shardOf(5, 128));
    const seen = new Set<number>();
    for (let ws = 1; ws <= 5000; ws += 1) seen.add(shardOf(ws, 128));
    expect(seen.size).to.equal(128);
  });
});

describe('ring: placeShards', () => {
  it('is deterministic and ignores the order workers are listed in', () => {
    const a = placeShards({ shardCount: 128, workers: ['instance-2', 'instance-1', 'instance-3'] });
    const b = placeShards({ shardCount: 128, workers: ['instance-3', 'instance-1', 'instance-2'] });
    expect(a).to.deep.equal(b);
    expect(a).to.have.length(128);
  });

  it('sends the same workspace to the same worker', () => {
    const placement = placeShards({ shardCount: 128, workers: workers(4) });
    const again = placeShards({ shardCount: 128, workers: workers(4) });
    for (let ws = 1; ws <= 100; ws += 1) {
      expect(placement[shardOf(ws, 128)]).to.equal(again[shardOf(ws, 128)]);
    }
  });

  it('keeps every worker under the bounded-load cap', () => {
    for (const n of [1, 2, 3, 4, 5, 8, 12]) {
      const cap = shardCap(128, n);
      const byWorker = shardsByWorker(placeShards({ shardCount: 128, workers: workers(n) }), workers(n));
      for (const shards of byWorker.values()) expect(shards.length).to.be.at.most(cap);
      expect(byWorker.size).to.equal(n);
    }
  });

  for (const n of [1, 2, 3, 4, 7]) {
    it(`moves about 1/${n + 1} of the shards when worker ${n + 1} joins ${n}, all to the newcomer`, () => {
      const before = placeShards({ shardCount: 128, workers: workers(n) });
      const after = placeShards({ shardCount: 128, workers: workers(n + 1), previous: before });
      const moved = moves(before, after);
      const newcomer = `instance-${n + 1}`;
      expect(
        moved.filter((m) => m.to !== newcomer),
        'moves between unchanged workers',
      ).to.deep.equal([]);
      const ideal = 128 / (n + 1);
      expect(moved.length).to.be.within(ideal * 0.85, ideal * 1.15);
    });
  }

  it("moves only the leaving worker's shards when one leaves", () => {
    const before = placeShards({ shardCount: 128, workers: workers(4) });
    const after = placeShards({ shardCount: 128, workers: ['instance-1', 'instance-2', 'instance-4'], previous: before });
    const moved = moves(before, after);
    expect(moved.every((m) => m.from === 'instance-3')).to.equal(true);
    expect(moved.length).to.equal(before.filter((w) => w === 'instance-3').length);
  });

  it('gives a restarted worker its shards back', () => {
    const before = placeShards({ shardCount: 128, workers: workers(4) });
    const without = placeShards({ shardCount: 128, workers: workers(3), previous: before });
    const back = placeShards({ shardCount: 128, workers: workers(4), previous: without });
    const mineBefore = before.filter((w) => w === 'instance-4').length;
    const regained = back.filter((w, shard) => w === 'instance-4' && before[shard] === 'instance-4').length;
    expect(regained / mineBefore).to.be.greaterThan(0.6);
  });

  it('stays balanced through a long run of joins and leaves', () => {
    let placement = placeShards({ shardCount: 128, workers: workers(2) });
    const sizes = [3, 5, 4, 8, 6, 7, 2, 9, 8];
    for (const n of sizes) {
      placement = placeShards({ shardCount: 128, workers: workers(n), previous: placement });
      const counts = [...shardsByWorker(placement, workers(n)).values()].map((s) => s.length);
      expect(Math.max(...counts)).to.be.at.most(shardCap(128, n));
      expect(counts.reduce((a, b) => a + b, 0)).to.equal(128);
    }
  });

  it('leaves every shard unowned without workers', () => {
    expect(placeShards({ shardCount: 4, workers: [] })).to.deep.equal(['', '', '', '']);
  });
});
