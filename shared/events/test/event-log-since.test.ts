import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { EventLog } from '../src';

describe('events: reading a workspace stream from any sequence (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('evt');
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('answers an empty page, not a Redis error, for a since beyond what a stream entry id can hold', async () => {
    const log = new EventLog(redis, keys);
    for (let i = 0; i < 2; i += 1) await log.append(9, 'session.logged_out', { session_id: 's', account_id: '1' });
    // 2^53 - 1: the largest the HTTP API accepts; 2^53 and up: no exact integer; 2^64: past a stream id's first part.
    for (const since of [Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 64, 1e21, Number.MAX_VALUE]) {
      const page = await log.since(9, since, 10);
      expect(page, String(since)).to.deep.equal({ events: [], latestSequence: 2, oldestSequence: 1 });
    }
    expect((await log.since(9, 1, 10)).events.map((event) => event.sequence)).to.deep.equal([2]);
  });
});
