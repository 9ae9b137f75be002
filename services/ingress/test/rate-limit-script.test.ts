import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { rateLimitScript } from '../src/rate-limit/rate-limiter';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * lua/rate-limit.lua run directly (one token a request, refilled at `limit` per minute): what it
 * answers, what it leaves in the bucket, and when the bucket expires. The clock is Redis's own, so a
 * bucket is aged by moving its `at` back in Redis time.
 */
describe('ingress: rate-limit Lua script (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;
  let bucket: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('rllua');
    keys = createKeys(prefix);
    bucket = keys.rateLimitKey('k1');
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const take = (limit: number, key = bucket) => rateLimitScript.run(redis, { bucket: key, limit });
  const redisNow = async (): Promise<number> => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  /** The bucket as if its last take left `tokens`, `agoMs` ago by Redis's clock. */
  const age = async (tokens: number, agoMs: number, key = bucket) => redis.hset(key, 'tokens', String(tokens), 'at', String((await redisNow()) - agoMs));

  it("an absent bucket is full: the first take is allowed and leaves limit - 1, stamped with Redis's time", async () => {
    const before = await redisNow();
    expect(await take(3)).to.deep.equal({ allowed: true, limit: 3, remaining: 2, resetSeconds: 20, retryAfterSeconds: 0 });
    const stored = await redis.hgetall(bucket);
    expect(stored.tokens).to.equal('2');
    expect(Number(stored.at)).to.be.within(before, await redisNow());
  });

  it('counts down to 0, then refuses with the time until one token is back (Retry-After) and until it is full (reset)', async () => {
    expect((await take(3)).remaining).to.equal(2);
    expect((await take(3)).remaining).to.equal(1);
    expect((await take(3)).remaining).to.equal(0);
    const refused = await take(3);
    expect(refused).to.include({ allowed: false, limit: 3, remaining: 0 });
    // 3 a minute: a token every 20 s, the bucket full in 60 s (less what came back since).
    expect(refused.retryAfterSeconds).to.be.within(19, 20);
    expect(refused.resetSeconds).to.be.within(59, 60);
    expect(Number((await redis.hgetall(bucket)).tokens), 'a refusal takes nothing').to.be.below(1);
  });

  it('a limit of 1: one request, then a minute to wait', async () => {
    expect(await take(1)).to.deep.equal({ allowed: true, limit: 1, remaining: 0, resetSeconds: 60, retryAfterSeconds: 0 });
    expect(await take(1)).to.deep.include({ allowed: false, remaining: 0, retryAfterSeconds: 60, resetSeconds: 60 });
  });

  it("refills at limit per minute by Redis's clock, fractions of a token carried over", async () => {
    await age(0, 40_000);
    expect(await take(3), '40 s at 3 a minute: 2 tokens').to.include({ allowed: true, remaining: 1 });
    await age(0, 30_000);
    expect(await take(3), '30 s: 1.5 tokens, one taken').to.include({ allowed: true, remaining: 0 });
    const refused = await take(3);
    expect(refused.allowed).to.equal(false);
    expect(refused.retryAfterSeconds, 'the half token left needs 10 s more').to.equal(10);
  });

  it('never holds more than the limit, however long the bucket was idle', async () => {
    await age(0, 600_000);
    expect(await take(3)).to.include({ allowed: true, remaining: 2 });
    expect(Number((await redis.hgetall(bucket)).tokens)).to.equal(2);
  });

  it('expires once it would be full again (at least after a second), and is full again then', async () => {
    await take(3);
    expect(await redis.pttl(bucket)).to.be.within(19_000, 20_000);
    const busy = keys.rateLimitKey('k2');
    await take(6_000, busy);
    // 6000 a minute: the token taken is back in 10 ms, but a bucket lives a second at least.
    const ttl = await redis.pttl(busy);
    expect(ttl).to.be.within(900, 1_000);
    await sleep(ttl + 100);
    expect(await redis.exists(busy)).to.equal(0);
    expect(await take(6_000, busy)).to.include({ allowed: true, remaining: 5_999 });
  });

  it('keeps each bucket to itself', async () => {
    await take(1);
    expect((await take(1)).allowed).to.equal(false);
    expect(await take(1, keys.rateLimitSession('s1'))).to.include({ allowed: true, remaining: 0 });
    expect(await take(2, keys.rateLimitKey('k3'))).to.include({ allowed: true, remaining: 1 });
  });
});
