import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { createKeyScript, revokeKeyScript, touchKeyScript, type CreateKeyInput } from '../src/scripts';

const ID = '0123456789abcdef';
const HASH = 'ab'.repeat(32);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Each Lua script of the key store run directly, one outcome of its header at a time. */
describe('api-keys: Lua scripts (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('aklua');
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const create = (overrides: Partial<Omit<CreateKeyInput, 'keys'>> = {}) =>
    createKeyScript.run(redis, {
      keys,
      id: ID,
      workspaceId: 5,
      name: 'crm',
      scopes: ['sessions:read', 'messages:send'],
      secretHash: HASH,
      createdAt: 1_000,
      ...overrides,
    });
  const revoke = (now: number, id = ID) => revokeKeyScript.run(redis, { keys, id, now });
  const touch = (at: number, id = ID) => touchKeyScript.run(redis, { keys, id, at });
  const record = (id = ID) => redis.hgetall(keys.apiKey(id));

  /** What is published on the keys channel while `body` runs. */
  async function heard(body: () => Promise<void>): Promise<string[]> {
    const listener = redis.duplicate();
    const messages: string[] = [];
    listener.on('message', (_channel: string, message: string) => messages.push(message));
    await listener.subscribe(keys.apiKeysChannel);
    try {
      await body();
      await redis.publish(keys.apiKeysChannel, 'end');
      for (let i = 0; i < 50 && !messages.includes('end'); i += 1) await sleep(20);
      return messages.filter((message) => message !== 'end');
    } finally {
      listener.disconnect();
    }
  }

  describe('api-keys/create', () => {
    it('stores the key (its hash, never a secret), indexes it in both sets by creation time and announces it (true)', async () => {
      const announced = await heard(async () => {
        expect(await create()).to.equal(true);
      });
      expect(announced).to.deep.equal([ID]);
      expect(await record()).to.deep.equal({
        id: ID,
        workspace_id: '5',
        name: 'crm',
        scopes: 'sessions:read,messages:send',
        secret_hash: HASH,
        created_at: '1000',
      });
      expect(await redis.zrange(keys.apiKeys, 0, -1, 'WITHSCORES')).to.deep.equal([ID, '1000']);
      expect(await redis.zrange(keys.workspaceApiKeys(5), 0, -1, 'WITHSCORES')).to.deep.equal([ID, '1000']);
      expect(await redis.ttl(keys.apiKey(ID)), 'a key does not expire').to.equal(-1);
    });

    it('refuses an id already taken (false): the first key stays, nothing indexed or announced', async () => {
      await create();
      const announced = await heard(async () => {
        expect(await create({ workspaceId: 6, name: '', secretHash: 'cd'.repeat(32), createdAt: 2_000 })).to.equal(false);
      });
      expect(announced).to.deep.equal([]);
      expect(await record()).to.include({ workspace_id: '5', secret_hash: HASH, created_at: '1000' });
      expect(await redis.zrange(keys.apiKeys, 0, -1, 'WITHSCORES')).to.deep.equal([ID, '1000']);
      expect(await redis.exists(keys.workspaceApiKeys(6))).to.equal(0);
    });

    it('stores an empty name and scopes as given (the store normalises them before)', async () => {
      expect(await create({ name: '', scopes: [] })).to.equal(true);
      expect(await record()).to.include({ name: '', scopes: '' });
    });
  });

  describe('api-keys/revoke', () => {
    it("marks the key revoked and announces it once: its revoked_at, then the first revocation's", async () => {
      await create();
      const announced = await heard(async () => {
        expect(await revoke(4_000)).to.equal(4_000);
        expect(await revoke(5_000)).to.equal(4_000);
      });
      expect(announced).to.deep.equal([ID]);
      expect(await record(), 'the record stays, for the list').to.include({ id: ID, secret_hash: HASH, revoked_at: '4000' });
      expect(await redis.zrange(keys.apiKeys, 0, -1)).to.deep.equal([ID]);
    });

    it('a key that does not exist: undefined, no half record, nothing announced', async () => {
      const announced = await heard(async () => {
        expect(await revoke(4_000)).to.equal(undefined);
      });
      expect(announced).to.deep.equal([]);
      expect(await redis.exists(keys.apiKey(ID))).to.equal(0);
    });
  });

  describe('api-keys/touch', () => {
    it('records the last use only forward (true), never backwards nor the same time again (false)', async () => {
      await create();
      expect(await touch(10_000)).to.equal(true);
      expect(await record()).to.include({ last_used_at: '10000' });
      expect(await touch(9_000)).to.equal(false);
      expect(await touch(10_000)).to.equal(false);
      expect(await record()).to.include({ last_used_at: '10000' });
      expect(await touch(70_000)).to.equal(true);
      expect(await record()).to.include({ last_used_at: '70000' });
    });

    it('a key that does not exist (or was deleted meanwhile): false, no half record', async () => {
      expect(await touch(10_000)).to.equal(false);
      expect(await redis.exists(keys.apiKey(ID))).to.equal(0);
    });

    it('does not look at revocation: a use racing the revocation is still recorded', async () => {
      await create();
      await revoke(4_000);
      expect(await touch(10_000)).to.equal(true);
      expect(await record()).to.include({ revoked_at: '4000', last_used_at: '10000' });
    });
  });
});
