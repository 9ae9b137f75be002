import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { LeaseStore, SessionStore } from '../src';

describe('state: session and message records (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix();
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('creates a session once, repeats idempotently and refuses another workspace', async () => {
    const store = new SessionStore(redis, keys);
    const session = { sessionId: 's1', workspaceId: 5, accountId: '9', shard: 3 };
    expect((await store.create(session)).kind).to.equal('created');
    expect((await store.create(session)).kind).to.equal('exists');
    expect((await store.create({ ...session, workspaceId: 6 })).kind).to.equal('conflict');
    expect(await store.idsInShard(3)).to.deep.equal(['s1']);
    expect(await store.idsInWorkspace(5)).to.deep.equal(['s1']);
    const record = await store.get('s1');
    expect(record).to.include({ sessionId: 's1', workspaceId: 5, accountId: '9', shard: 3, status: 'starting', desired: 'running' });
  });

  it('updates only existing records and removes every index entry', async () => {
    const store = new SessionStore(redis, keys);
    expect(await store.update('ghost', { status: 'connected' })).to.equal(false);
    expect(await redis.exists(keys.session('ghost'))).to.equal(0);
    await store.create({ sessionId: 's2', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await store.countsByShard(2)).to.deep.equal([1, 0]);
    await store.update('s2', { status: 'qr', qr: 'ref,abc', qrExpiresAt: 123 });
    expect((await store.get('s2'))?.qr).to.equal('ref,abc');
    await store.update('s2', { status: 'connected', qr: null, phone: '15550001' });
    const record = await store.get('s2');
    expect(record?.qr).to.equal(undefined);
    expect(record?.phone).to.equal('15550001');
    await store.remove(record!);
    expect(await store.get('s2')).to.equal(undefined);
    expect(await store.countsByShard(2)).to.deep.equal([0, 0]);
  });

  it('a lease taken to run a session starts a fresh run: epoch bumped, status starting, the last QR and error gone', async () => {
    const store = new SessionStore(redis, keys);
    const leases = new LeaseStore(redis, keys);
    await redis.hset(keys.worker('i1'), 'incarnation', 'run-1');
    await store.create({ sessionId: 's3', workspaceId: 1, accountId: '1', shard: 0 });
    await store.update('s3', { status: 'qr', qr: 'ref,old', qrExpiresAt: 123, lastError: 'timed out (408)' });
    expect(await leases.take('s3', { instanceId: 'i1', incarnation: 'run-1' })).to.deep.equal({ taken: true, epoch: 1 });
    const record = await store.get('s3');
    expect(record).to.deep.include({ status: 'starting', owner: 'i1', epoch: 1 });
    expect([record?.qr, record?.qrExpiresAt, record?.lastError]).to.deep.equal([undefined, undefined, undefined]);
    await store.update('s3', { desired: 'deleted', status: 'deleting' });
    await leases.release('s3', 'i1', 1);
    expect(await leases.take('s3', { instanceId: 'i1', incarnation: 'run-1' }, Date.now(), 'deleted')).to.deep.equal({ taken: true, epoch: 2 });
    expect((await store.get('s3'))?.status).to.equal('deleting');
  });
});
