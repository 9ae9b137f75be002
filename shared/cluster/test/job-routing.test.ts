import { expect } from 'chai';
import { createKeys } from '@fleet/keys';
import { shardOf } from '@fleet/ring';
import { OwnedShards, queueOf, type ClusterSnapshot, type WorkerInfo } from '../src';

const keys = createKeys('jr');

function worker(instanceId: string, draining = false): WorkerInfo {
  return { instanceId, incarnation: `${instanceId}-run`, url: `http://${instanceId}`, maxSessions: 10, startedAt: 1, draining };
}

/** A cluster of 8 shards: w1 owns the even ones, w2 the odd ones (table version 3). */
function snapshot(overrides: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    shardCount: 8,
    workers: [worker('w1'), worker('w2')],
    placement: { version: 3, workers: ['w1', 'w2'], owners: ['w1', 'w2', 'w1', 'w2', 'w1', 'w2', 'w1', 'w2'] },
    pins: new Map(),
    ...overrides,
  };
}

describe('cluster: queueOf', () => {
  it("routes a workspace to its shard's queue, by the cluster's shard count", () => {
    for (const workspaceId of [1, 5, 42, 1_000_003]) {
      expect(queueOf(snapshot(), keys, workspaceId)).to.equal(keys.shardQueue(shardOf(workspaceId, 8)));
      expect(queueOf(snapshot({ shardCount: 128 }), keys, workspaceId)).to.equal(keys.shardQueue(shardOf(workspaceId, 128)));
    }
    expect(queueOf(snapshot(), keys, 5)).to.match(/^shard-[0-7]$/);
  });

  it("routes a workspace pinned to a live worker to that worker's own queue, and only that workspace", () => {
    const pinned = snapshot({ pins: new Map([[5, 'w2']]) });
    expect(queueOf(pinned, keys, 5)).to.equal(keys.workerQueue('w2'));
    expect(queueOf(pinned, keys, 6)).to.equal(keys.shardQueue(shardOf(6, 8)));
  });

  it("ignores a pin to a worker that is draining or not live: the shard's queue", () => {
    const draining = snapshot({ workers: [worker('w1'), worker('w2', true)], pins: new Map([[5, 'w2']]) });
    expect(queueOf(draining, keys, 5)).to.equal(keys.shardQueue(shardOf(5, 8)));
    const gone = snapshot({ pins: new Map([[5, 'w9']]) });
    expect(queueOf(gone, keys, 5)).to.equal(keys.shardQueue(shardOf(5, 8)));
  });
});

describe('cluster: OwnedShards', () => {
  let current: ClusterSnapshot;
  let owned: OwnedShards;

  beforeEach(() => {
    current = snapshot();
    owned = new OwnedShards('w1', () => current);
  });

  it("owns nothing before the reconciler's first decision", () => {
    expect([0, 1, 2].map((shard) => owned.has(shard))).to.deep.equal([false, false, false]);
    expect(owned.size).to.equal(0);
  });

  it('owns the shards the reconciler set, and only those; the set is its own copy', () => {
    const decided = new Set([0, 2, 4]);
    owned.set(decided, 3);
    decided.add(6);
    expect([0, 1, 2, 4, 6].map((shard) => owned.has(shard))).to.deep.equal([true, false, true, true, false]);
    expect(owned.size).to.equal(3);
    owned.set(new Set([2]), 3);
    expect(
      [0, 2].map((shard) => owned.has(shard)),
      'a later decision replaces the earlier one',
    ).to.deep.equal([false, true]);
  });

  it("keeps the reconciler's decision while the view has no newer table, whatever the older table said", () => {
    owned.set(new Set([1]), 4);
    expect(owned.has(1), 'table 3 gives shard 1 to w2, but the decision was made from table 4').to.equal(true);
    current = snapshot({ placement: { ...current.placement, version: 4 } });
    expect(owned.has(1)).to.equal(true);
  });

  it('gives a shard up as soon as the view reads a newer table that gives it to another worker', () => {
    owned.set(new Set([0, 2]), 3);
    current = snapshot({ placement: { version: 4, workers: ['w1', 'w2'], owners: ['w2', 'w2', 'w1', 'w2', 'w1', 'w2', 'w1', 'w2'] } });
    expect(
      [0, 2].map((shard) => owned.has(shard)),
      'shard 0 moved to w2; shard 2 stays with w1',
    ).to.deep.equal([false, true]);
    expect(owned.size, 'the reconciler decides what the set holds').to.equal(2);
    current = snapshot({ placement: { version: 5, workers: ['w2'], owners: [] } });
    expect(owned.has(2), 'a newer table without the shard').to.equal(false);
  });

  it('owns nothing once deactivated, even if a late decision arrives', () => {
    owned.set(new Set([0, 2]), 3);
    owned.deactivate();
    expect([0, 2].map((shard) => owned.has(shard))).to.deep.equal([false, false]);
    expect(owned.size).to.equal(0);
    owned.set(new Set([0]), 6);
    expect(owned.has(0)).to.equal(false);
  });
});
