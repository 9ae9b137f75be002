import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { shardOf } from '@fleet/ring';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL, testRedis, waitFor } from '@fleet/testing';
import { ClusterView, Membership, routeOf, type ClusterSnapshot, type ClusterViewOptions, type PlacementTable, type WorkerInfo } from '../src';

/**
 * The views' connection. It connects lazily: a view duplicates its subscriber at construction and
 * subscribes in start(), and on a connection that is already open a SUBSCRIBE sent during the
 * subscriber's handshake is lost for good (the known bug at the end of this file). A lazy one queues
 * the SUBSCRIBE until the handshake is done, so these tests see the announcements every time.
 */
const lazyConnection = (): Redis => new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });

describe('ClusterView (real Redis)', () => {
  let redis: Redis;
  let viewRedis: Redis;
  let prefix: string;
  let keys: Keys;
  let membership: Membership;
  const views: ClusterView[] = [];

  /** A view of this test's cluster; by default it re-reads only when told (pub/sub), not on a timer. */
  function viewWith(options: Partial<ClusterViewOptions> = {}): ClusterView {
    const view = new ClusterView({ redis: viewRedis, keys, logger: createSilentLogger(), shardCount: 8, refreshIntervalMs: 60_000, ...options });
    views.push(view);
    return view;
  }

  /** Every `change` the view emits, in order. */
  function changesOf(view: ClusterView): ClusterSnapshot[] {
    const seen: ClusterSnapshot[] = [];
    view.on('change', (snapshot: ClusterSnapshot) => seen.push(snapshot));
    return seen;
  }

  const register = (instanceId: string): Promise<WorkerInfo> => membership.register({ instanceId, url: `http://${instanceId}`, maxSessions: 10 });
  const ids = (snapshot: ClusterSnapshot): string[] => snapshot.workers.map((worker) => worker.instanceId);

  beforeEach(() => {
    redis = testRedis();
    viewRedis = lazyConnection();
    prefix = freshPrefix('view');
    keys = createKeys(prefix);
    membership = new Membership({ redis, keys, heartbeatTtlMs: 30_000 });
  });

  afterEach(async () => {
    await Promise.all(views.splice(0).map((view) => view.close()));
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    viewRedis.disconnect();
  });

  it('fixes the shard count of a new cluster and reads an existing one instead of its own', async () => {
    const first = await viewWith({ shardCount: 8 }).start();
    expect(first.shardCount).to.equal(8);
    expect(await redis.get(keys.shardCount)).to.equal('8');
    const later = viewWith({ shardCount: 32 });
    expect((await later.start()).shardCount).to.equal(8);
    expect(later.shardCount).to.equal(8);
    expect(await redis.get(keys.shardCount)).to.equal('8');
  });

  it('starts from the placement table and workers already in Redis', async () => {
    await register('w1');
    const table: PlacementTable = { version: 3, workers: ['w1'], owners: Array.from({ length: 8 }, () => 'w1') };
    await redis.set(keys.placement, JSON.stringify(table));
    const view = viewWith();
    const changes = changesOf(view);
    const snapshot = await view.start();
    expect(snapshot.placement).to.deep.equal(table);
    expect(ids(snapshot)).to.deep.equal(['w1']);
    expect(view.snapshot).to.equal(snapshot);
    expect(changes).to.deep.equal([snapshot]);
  });

  it('answers snapshot reads before start() with an error, not an empty cluster', () => {
    expect(() => viewWith().snapshot).to.throw(/start\(\) has not completed/);
  });

  it('shows a worker that registers, and one that drains, as soon as it is announced', async () => {
    const view = viewWith();
    const changes = changesOf(view);
    await view.start();
    expect(ids(view.snapshot)).to.deep.equal([]);
    const w1 = await register('w1');
    await waitFor(() => changes.some((snapshot) => ids(snapshot).includes('w1')), { what: 'a change listing w1' });
    expect(view.snapshot.workers).to.deep.equal([w1]);
    await membership.setDraining(w1, true);
    await waitFor(() => view.snapshot.workers[0]?.draining === true, { what: 'w1 seen draining' });
    expect(changes.at(-1)?.workers[0]?.draining).to.equal(true);
  });

  it('notices a placement written without an announcement on its periodic re-read', async () => {
    await register('w1');
    const view = viewWith({ refreshIntervalMs: 100 });
    const changes = changesOf(view);
    await view.start();
    const table: PlacementTable = { version: 1, workers: ['w1'], owners: Array.from({ length: 8 }, () => 'w1') };
    await redis.set(keys.placement, JSON.stringify(table));
    await waitFor(() => view.snapshot.placement.version === 1, { what: 'the new table read' });
    expect(view.snapshot.placement).to.deep.equal(table);
    expect(changes.at(-1)?.placement).to.deep.equal(table);
  });

  it('notices a worker whose registration expired (no announcement) on its periodic re-read', async () => {
    await register('w1');
    await register('w2');
    const view = viewWith({ refreshIntervalMs: 100 });
    const changes = changesOf(view);
    await view.start();
    expect(ids(view.snapshot)).to.deep.equal(['w1', 'w2']);
    await redis.pexpire(keys.worker('w2'), 1);
    await waitFor(() => ids(view.snapshot).length === 1, { what: 'w2 gone from the view' });
    expect(ids(view.snapshot)).to.deep.equal(['w1']);
    expect(changes.map(ids)).to.deep.equal([['w1', 'w2'], ['w1']]);
  });

  it('emits no change when a re-read finds nothing new', async () => {
    await register('w1');
    const view = viewWith({ refreshIntervalMs: 50 });
    const changes = changesOf(view);
    await view.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await view.refresh();
    expect(changes).to.have.length(1);
  });

  it('routes a pinned workspace to its pinned worker while that worker is live and not draining, else to its shard owner', async () => {
    const w1 = await register('w1');
    await register('w2');
    const owners = Array.from({ length: 8 }, () => 'w1');
    await redis.set(keys.placement, JSON.stringify({ version: 1, workers: ['w1', 'w2'], owners }));
    await redis.hset(keys.pins, '41', 'w2', '42', 'w1', '43', 'gone');
    await membership.announce();
    const view = viewWith();
    await view.start();

    expect(view.route(41)).to.deep.equal({ workspaceId: 41, shard: shardOf(41, 8), owner: 'w2', ownerLive: true, pinnedTo: 'w2' });
    expect(view.route(42)).to.deep.equal({ workspaceId: 42, shard: shardOf(42, 8), owner: 'w1', ownerLive: true, pinnedTo: 'w1' });
    // Pinned to a worker that never registered: its shard's owner runs it.
    expect(view.route(43)).to.deep.equal({ workspaceId: 43, shard: shardOf(43, 8), owner: 'w1', ownerLive: true });
    expect(view.route(44)).to.deep.equal({ workspaceId: 44, shard: shardOf(44, 8), owner: 'w1', ownerLive: true });

    // w1 drains: the pin to it no longer applies (its shards are still its own until the table changes).
    await membership.setDraining(w1, true);
    await waitFor(() => view.snapshot.workers.some((w) => w.instanceId === 'w1' && w.draining), { what: 'w1 draining' });
    expect(view.route(42).pinnedTo).to.equal(undefined);
    expect(view.route(42).owner).to.equal('w1');

    // w2 dies (its registration expires): the pin to it no longer applies either.
    await redis.del(keys.worker('w2'));
    await view.refresh();
    expect(view.route(41)).to.deep.equal({ workspaceId: 41, shard: shardOf(41, 8), owner: 'w1', ownerLive: true });
  });

  it('routeOf: a dead shard owner is reported as not live', () => {
    const snapshot: ClusterSnapshot = {
      shardCount: 4,
      workers: [{ instanceId: 'w1', incarnation: 'a', url: '', maxSessions: 1, startedAt: 0, draining: false }],
      placement: { version: 1, workers: ['w1', 'w2'], owners: ['w2', 'w2', 'w2', 'w2'] },
      pins: new Map([[7, 'w2']]),
    };
    expect(routeOf(snapshot, 7)).to.deep.equal({ workspaceId: 7, shard: shardOf(7, 4), owner: 'w2', ownerLive: false });
    expect(routeOf({ ...snapshot, placement: { version: 0, workers: [], owners: [] } }, 7).owner).to.equal('');
  });

  it('sees a pin added or removed once it is announced', async () => {
    await register('w1');
    await register('w2');
    await redis.set(keys.placement, JSON.stringify({ version: 1, workers: ['w1', 'w2'], owners: Array.from({ length: 8 }, () => 'w1') }));
    const view = viewWith();
    await view.start();
    expect(view.route(5).owner).to.equal('w1');
    await redis.hset(keys.pins, '5', 'w2');
    await membership.announce();
    await waitFor(() => view.route(5).pinnedTo === 'w2', { what: 'the pin seen' });
    await redis.hdel(keys.pins, '5');
    await membership.announce();
    await waitFor(() => view.route(5).pinnedTo === undefined, { what: 'the unpin seen' });
    expect(view.route(5).owner).to.equal('w1');
  });

  it('close() twice is safe; a closed view stops listening and re-reading', async () => {
    const view = viewWith({ refreshIntervalMs: 50 });
    const changes = changesOf(view);
    await view.start();
    await waitFor(async () => Number((await redis.pubsub('NUMSUB', keys.membershipChannel))[1]) === 1, { what: 'subscribed' });
    await view.close();
    await view.close();
    await waitFor(async () => Number((await redis.pubsub('NUMSUB', keys.membershipChannel))[1]) === 0, { what: 'unsubscribed' });
    await register('w1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes).to.have.length(1);
    expect(ids(view.snapshot)).to.deep.equal([]);
  });
});

describe('ClusterView: bugs found by these tests, fixed', () => {
  let redis: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('view-bugs');
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  // The view duplicates its subscriber connection in its constructor and subscribes in start(). When
  // start() runs soon after (the ingress: createIngress(), then start()), the SUBSCRIBE can go out
  // while that connection is still in its handshake (ioredis 5.11 sends commands flagged `loading`,
  // SUBSCRIBE among them, before its ready check): the ready check's INFO is then refused in
  // subscriber mode, ioredis emits an error (no listener: "[ioredis] Unhandled error event" on
  // stderr), reconnects, and does not subscribe again. The view then hears no announcement for the
  // rest of its life and only notices changes on its periodic re-read. About a third of starts on
  // this machine; 20 in a row all subscribed is the test.
  it('stays subscribed when start() follows its construction at once, on an open connection', async () => {
    const keys = createKeys(prefix);
    for (let i = 0; i < 20; i += 1) {
      const view = new ClusterView({ redis, keys, logger: createSilentLogger(), shardCount: 8, refreshIntervalMs: 60_000 });
      try {
        await view.start();
        await waitFor(async () => Number((await redis.pubsub('NUMSUB', keys.membershipChannel))[1]) === 1, {
          what: `view ${i + 1} of 20 subscribed to the membership channel`,
          timeoutMs: 1_000,
        });
      } finally {
        await view.close();
      }
      await waitFor(async () => Number((await redis.pubsub('NUMSUB', keys.membershipChannel))[1]) === 0, { what: 'view closed', timeoutMs: 1_000 });
    }
  });
});
