import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { ApiKeyStore, hashSecret, parseKey, SCOPES } from '../src';

describe('api-keys: ApiKeyStore (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let keys: Keys;
  let store: ApiKeyStore;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('akeys');
    keys = createKeys(prefix);
    store = new ApiKeyStore(redis, keys);
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('creates a key whose secret is answered once and stored only as its sha256', async () => {
    const { record, key } = await store.create({ workspaceId: 5, name: 'crm', scopes: ['messages:send', 'sessions:read'] }, 1_000);
    const parsed = parseKey(key);
    expect(parsed?.id).to.equal(record.id);
    expect(record).to.deep.include({
      workspaceId: 5,
      name: 'crm',
      scopes: ['sessions:read', 'messages:send'],
      createdAt: 1_000,
      lastUsedAt: null,
      revokedAt: null,
    });
    const stored = await redis.hgetall(keys.apiKey(record.id));
    expect(stored.secret_hash).to.equal(hashSecret(parsed!.secret));
    // Nothing in Redis holds the secret (or the whole key).
    for (const name of await redis.keys(`${prefix}:*`)) {
      const type = await redis.type(name);
      const dump = type === 'hash' ? JSON.stringify(await redis.hgetall(name)) : type === 'zset' ? JSON.stringify(await redis.zrange(name, 0, -1)) : '';
      expect(dump).to.not.contain(parsed!.secret);
    }
    expect(await store.get(record.id)).to.deep.equal(record);
  });

  it('gives a key without scopes every scope, and refuses unknown scopes, names and workspace ids', async () => {
    expect((await store.create({ workspaceId: 1 })).record.scopes).to.deep.equal([...SCOPES]);
    expect((await store.create({ workspaceId: 1, scopes: [] })).record.scopes).to.deep.equal([...SCOPES]);
    const refused = async (request: Parameters<ApiKeyStore['create']>[0]): Promise<string> => {
      try {
        await store.create(request);
      } catch (error) {
        return (error as { code: string }).code;
      }
      return 'created';
    };
    expect(await refused({ workspaceId: 1, scopes: ['sessions:admin'] })).to.equal('VALIDATION_FAILED');
    expect(await refused({ workspaceId: 1, name: '' })).to.equal('VALIDATION_FAILED');
    expect(await refused({ workspaceId: 1, name: 'a\nb' })).to.equal('VALIDATION_FAILED');
    expect(await refused({ workspaceId: 0 })).to.equal('INVALID_ID');
  });

  it("lists every key or one workspace's, oldest first, revoked ones with their revocation time", async () => {
    const a = (await store.create({ workspaceId: 5, name: 'a' }, 1_000)).record;
    const b = (await store.create({ workspaceId: 6, name: 'b' }, 2_000)).record;
    const c = (await store.create({ workspaceId: 5, name: 'c' }, 3_000)).record;
    expect((await store.list()).map((r) => r.id)).to.deep.equal([a.id, b.id, c.id]);
    expect((await store.list({ workspaceId: 5 })).map((r) => r.id)).to.deep.equal([a.id, c.id]);
    expect(await store.list({ workspaceId: 7 })).to.deep.equal([]);
    expect(await store.revoke(a.id, 4_000)).to.equal(4_000);
    expect(await store.revoke(a.id, 5_000), 'a second revoke keeps the first time').to.equal(4_000);
    expect((await store.list({ workspaceId: 5 }))[0]).to.include({ id: a.id, revokedAt: 4_000 });
    expect(await store.revoke('0123456789abcdef')).to.equal(undefined);
    expect(await store.revoke('not-an-id')).to.equal(undefined);
  });

  it('announces creations and revocations on the keys channel', async () => {
    const subscriber = redis.duplicate();
    const heard: string[] = [];
    try {
      await subscriber.subscribe(keys.apiKeysChannel);
      subscriber.on('message', (_channel: string, message: string) => heard.push(message));
      const { record } = await store.create({ workspaceId: 5 });
      await store.revoke(record.id);
      await store.revoke(record.id);
      const deadline = Date.now() + 5_000;
      while (heard.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).to.deep.equal([record.id, record.id]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('records the last use, never backwards and never on a key that does not exist', async () => {
    const { record } = await store.create({ workspaceId: 5 });
    await store.touch(record.id, 10_000);
    await store.touch(record.id, 9_000);
    expect((await store.get(record.id))?.lastUsedAt).to.equal(10_000);
    await store.touch('0123456789abcdef', 10_000);
    expect(await redis.exists(keys.apiKey('0123456789abcdef'))).to.equal(0);
  });
});
