import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { LeaseStore, RestoreLockStore, SessionStore } from '../src';

describe('state: restore locks and the lease (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;
  const holder = { instanceId: 'i1', incarnation: 'run-1' };

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('rlock');
    keys = createKeys(prefix);
    await redis.hset(keys.worker('i1'), 'incarnation', 'run-1');
    const sessions = new SessionStore(redis, keys);
    for (const id of ['s1', 's2', 's3']) await sessions.create({ sessionId: id, workspaceId: 1, accountId: '1', shard: 0 });
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('refuses the lease of a session under restore (epoch untouched) and hands it out once the restore let go', async () => {
    const locks = new RestoreLockStore(redis, keys);
    const leases = new LeaseStore(redis, keys);
    expect(await locks.lock(['s1'], 'restore-a', 30_000)).to.deep.equal({ locked: true });
    expect(await leases.take('s1', holder)).to.deep.equal({ taken: false, reason: 'restoring' });
    expect(await leases.take('s1', holder, Date.now(), 'deleted')).to.deep.include({ taken: false });
    expect((await new SessionStore(redis, keys).get('s1'))?.epoch).to.equal(0);
    expect(await leases.get('s1')).to.equal(undefined);
    await locks.unlock(['s1'], 'restore-a');
    expect(await leases.take('s1', holder)).to.deep.equal({ taken: true, epoch: 1 });
  });

  it("locks all of a restore's sessions or none, refreshes and releases only its own", async () => {
    const locks = new RestoreLockStore(redis, keys);
    expect(await locks.lock(['s2'], 'restore-a', 30_000)).to.deep.equal({ locked: true });
    expect(await locks.lock(['s1', 's2', 's3'], 'restore-b', 30_000)).to.deep.equal({ locked: false, heldBy: 's2' });
    expect(await locks.isLocked('s1'), 'a refused lock leaves nothing behind').to.equal(false);
    expect(await locks.refresh(['s1', 's2'], 'restore-a', 60_000)).to.equal(1);
    expect(await redis.pttl(keys.restoreLock('s2'))).to.be.greaterThan(30_000);
    await locks.unlock(['s2'], 'restore-b');
    expect(await locks.isLocked('s2'), 'another restore cannot release it').to.equal(true);
    await locks.unlock(['s2'], 'restore-a');
    expect(await locks.isLocked('s2')).to.equal(false);
  });

  it('a lock lapses by itself when its restore stops refreshing it', async () => {
    const locks = new RestoreLockStore(redis, keys);
    await locks.lock(['s3'], 'restore-a', 150);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await new LeaseStore(redis, keys).take('s3', holder)).to.deep.equal({ taken: true, epoch: 1 });
  });

  it('hands out an epoch at least the floor asked for, and the next one above it', async () => {
    const leases = new LeaseStore(redis, keys);
    expect(await leases.take('s1', holder, Date.now(), 'running', 58)).to.deep.equal({ taken: true, epoch: 58 });
    expect((await new SessionStore(redis, keys).get('s1'))?.epoch).to.equal(58);
    expect((await leases.get('s1'))?.epoch).to.equal(58);
    expect(await leases.take('s1', holder, Date.now(), 'running', 3)).to.deep.equal({ taken: true, epoch: 59 });
  });
});
