import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { MEDIA_SCRIPTS as S } from '../src/store/scripts';

const ID = 'med_0123456789abcdef01234567';
const MEMBER = `5/${ID}`;

/** Each Lua script of the media store run directly, one outcome of its header at a time. */
describe('media: Lua scripts (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('mdlua');
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const inAnHour = (): number => Date.now() + 3_600_000;
  const save = (fields: Record<string, string>, expiresAt = inAnHour(), id = ID) => S.save.run(redis, { keys, id, member: `5/${id}`, expiresAt, fields });
  const record = (id = ID) => redis.hgetall(keys.media(id));
  const index = () => redis.zrange(keys.mediaExpiry, 0, -1, 'WITHSCORES');

  describe('media-save', () => {
    it('writes the whole record, expiring at expires_at, and indexes its object by that time', async () => {
      const expiresAt = inAnHour();
      expect(await save({ status: 'pending', workspace_id: '5', mimetype: 'image/png' }, expiresAt)).to.equal(1);
      expect(await record()).to.deep.equal({ status: 'pending', workspace_id: '5', mimetype: 'image/png' });
      expect(await redis.pexpiretime(keys.media(ID))).to.equal(expiresAt);
      expect(await index()).to.deep.equal([MEMBER, String(expiresAt)]);
    });

    it('replaces a record (no field of the old one left) and moves its index entry to the new expiry', async () => {
      await save({ status: 'unavailable', error: 'HTTP 404', size: '10' });
      const later = inAnHour() + 60_000;
      await save({ status: 'available', size: '20' }, later);
      expect(await record()).to.deep.equal({ status: 'available', size: '20' });
      expect(await index()).to.deep.equal([MEMBER, String(later)]);
    });

    it('a record already past its expiry is gone at once, its index entry stays for the sweep', async () => {
      const past = Date.now() - 1_000;
      expect(await save({ status: 'available' }, past)).to.equal(1);
      expect(await redis.exists(keys.media(ID))).to.equal(0);
      expect(await index()).to.deep.equal([MEMBER, String(past)]);
    });
  });

  describe('media-complete', () => {
    const complete = (id = ID) => S.complete.run(redis, { keys, id, size: 1234, sha256: 'ab'.repeat(32) });

    it('completes a pending or unavailable record (1): available with size and sha256, error cleared, expiry kept', async () => {
      const expiresAt = inAnHour();
      await save({ status: 'unavailable', error: 'HTTP 404', mimetype: 'image/png' }, expiresAt);
      expect(await complete()).to.equal(1);
      expect(await record()).to.deep.equal({ status: 'available', mimetype: 'image/png', size: '1234', sha256: 'ab'.repeat(32) });
      expect(await redis.pexpiretime(keys.media(ID))).to.equal(expiresAt);
      await save({ status: 'pending' });
      expect(await complete()).to.equal(1);
      expect(await record()).to.include({ status: 'available', size: '1234' });
    });

    it('leaves an available record as it is (-1) and never recreates a record that is gone (0)', async () => {
      await save({ status: 'available', size: '7', sha256: 'cd'.repeat(32) });
      expect(await complete()).to.equal(-1);
      expect(await record()).to.deep.equal({ status: 'available', size: '7', sha256: 'cd'.repeat(32) });
      expect(await complete('med_ffffffffffffffffffffffff')).to.equal(0);
      expect(await redis.exists(keys.media('med_ffffffffffffffffffffffff'))).to.equal(0);
    });
  });

  describe('media-unavailable', () => {
    const unavailable = (reason: string, id = ID) => S.unavailable.run(redis, { keys, id, reason });

    it('marks a pending record unavailable with its reason (1), and again with a newer reason', async () => {
      const expiresAt = inAnHour();
      await save({ status: 'pending', mimetype: 'image/png' }, expiresAt);
      expect(await unavailable('HTTP 404')).to.equal(1);
      expect(await record()).to.deep.equal({ status: 'unavailable', error: 'HTTP 404', mimetype: 'image/png' });
      expect(await redis.pexpiretime(keys.media(ID))).to.equal(expiresAt);
      expect(await unavailable('timeout')).to.equal(1);
      expect(await record()).to.include({ status: 'unavailable', error: 'timeout' });
    });

    it('leaves an available record as it is (-1) and never recreates a record that is gone (0)', async () => {
      await save({ status: 'available', size: '7' });
      expect(await unavailable('late failure')).to.equal(-1);
      expect(await record()).to.deep.equal({ status: 'available', size: '7' });
      expect(await unavailable('x', 'med_ffffffffffffffffffffffff')).to.equal(0);
      expect(await redis.exists(keys.media('med_ffffffffffffffffffffffff'))).to.equal(0);
    });
  });

  describe('media-forget', () => {
    it('removes the record and its index entry, and is a no-op the second time', async () => {
      const other = 'med_ffffffffffffffffffffffff';
      await save({ status: 'available' });
      await save({ status: 'available' }, inAnHour(), other);
      const forget = () => S.forget.run(redis, { keys, id: ID, member: MEMBER });
      expect(await forget()).to.equal(1);
      expect(await redis.exists(keys.media(ID))).to.equal(0);
      expect(await redis.zrange(keys.mediaExpiry, 0, -1)).to.deep.equal([`5/${other}`]);
      expect(await forget()).to.equal(1);
      expect(await record(other)).to.deep.equal({ status: 'available' });
    });
  });

  describe('media-claim-expired', () => {
    const claim = (now: number, limit: number, retryAt: number) => S.claimExpired.run(redis, { keys, now, limit, retryAt });

    it('claims at most `limit` expired entries, oldest first, moving them to the retry time; later ones stay', async () => {
      await redis.zadd(keys.mediaExpiry, 100, '1/a', 200, '1/b', 300, '2/c', 5_000, '2/d');
      expect(await claim(1_000, 2, 61_000)).to.deep.equal(['1/a', '1/b']);
      expect(await claim(1_000, 2, 61_000), 'a second sweeper takes the others').to.deep.equal(['2/c']);
      expect(await claim(1_000, 2, 61_000)).to.deep.equal([]);
      expect(await index()).to.deep.equal(['2/d', '5000', '1/a', '61000', '1/b', '61000', '2/c', '61000']);
      expect(await claim(61_000, 10, 121_000), 'what was not deleted comes back at its retry time').to.deep.equal(['2/d', '1/a', '1/b', '2/c']);
    });

    it('an entry expiring exactly now is claimed; an empty index claims nothing', async () => {
      expect(await claim(1_000, 10, 2_000)).to.deep.equal([]);
      await redis.zadd(keys.mediaExpiry, 1_000, '1/a');
      expect(await claim(999, 10, 2_000)).to.deep.equal([]);
      expect(await claim(1_000, 10, 2_000)).to.deep.equal(['1/a']);
    });
  });
});
