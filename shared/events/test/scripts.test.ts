import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import type { FleetEvent } from '../src';
import { EVENT_SCRIPTS as S, type DeadLetter, type SettleEventInput } from '../src/scripts';

const W = 3;
const retention = { maxEvents: 1_000, maxAgeMs: 60_000 };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function event(sequence: number): FleetEvent {
  return { id: `evt_${sequence}`, type: 'session.logged_out', workspace_id: W, sequence, occurred_at: 1, data: { session_id: 's', account_id: '1' } };
}

function dead(sequence: number, deadAt: number): DeadLetter {
  return { event: event(sequence), attempts: 8, last_error: 'HTTP 500', first_failed_at: deadAt - 1_000, dead_at: deadAt };
}

/** Each Lua script of the events package run directly, one outcome of its header at a time. */
describe('events: Lua scripts (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('evlua');
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const append = (workspaceId: number, now: number, eventId = `evt_${now}`) =>
    S.appendEvent.run(redis, {
      keys,
      workspaceId,
      eventId,
      type: 'session.logged_out',
      occurredAt: now - 1,
      data: { session_id: 's', account_id: '1' },
      now,
      retention,
    });
  const lock = (token = 'me') => redis.set(keys.eventLock(W), token, 'PX', 1_000);
  const cursor = async () => redis.hget(keys.eventCursors, String(W));

  /** Collects what is published on the events channel while `body` runs. */
  async function heard(body: () => Promise<void>): Promise<string[]> {
    const listener = redis.duplicate();
    const messages: string[] = [];
    listener.on('message', (_channel: string, message: string) => messages.push(message));
    await listener.subscribe(keys.eventsChannel);
    try {
      await body();
      await redis.publish(keys.eventsChannel, 'end');
      for (let i = 0; i < 50 && !messages.includes('end'); i += 1) await sleep(20);
      return messages.filter((message) => message !== 'end');
    } finally {
      listener.disconnect();
    }
  }

  describe('append-event', () => {
    it('gives each workspace its own sequence, stores the entry under it, marks the workspace pending once and wakes the dispatcher', async () => {
      const woken = await heard(async () => {
        expect(await append(W, 1_000, 'evt_a')).to.equal(1);
        expect(await append(W, 2_000, 'evt_b')).to.equal(2);
        expect(await append(8, 3_000)).to.equal(1);
      });
      expect(woken).to.deep.equal([String(W), String(W), '8']);
      const entries = await redis.xrange(keys.eventStream(W), '-', '+');
      expect(entries).to.deep.equal([
        ['1-0', ['id', 'evt_a', 'type', 'session.logged_out', 'at', '999', 'data', '{"session_id":"s","account_id":"1"}']],
        ['2-0', ['id', 'evt_b', 'type', 'session.logged_out', 'at', '1999', 'data', '{"session_id":"s","account_id":"1"}']],
      ]);
      expect(await redis.zrange(keys.eventsPending, 0, -1, 'WITHSCORES'), 'the first append sets when it is due').to.deep.equal([
        String(W),
        '1000',
        '8',
        '3000',
      ]);
      expect(await redis.pttl(keys.eventStream(W))).to.be.within(59_000, 60_000);
    });

    it('drops events older than the retention from the head of the stream', async () => {
      const now = Date.now();
      await append(W, now - 120_000);
      await append(W, now - 1_000);
      expect(await append(W, now)).to.equal(3);
      expect((await redis.xrange(keys.eventStream(W), '-', '+')).map(([id]) => id)).to.deep.equal(['2-0', '3-0']);
    });
  });

  describe('settle-event', () => {
    const settle = (overrides: Partial<SettleEventInput> = {}) =>
      S.settleEvent.run(redis, {
        keys,
        workspaceId: W,
        token: 'me',
        sequence: 5,
        eventId: 'evt_5',
        replayMember: undefined,
        deadLetter: undefined,
        lockMs: 30_000,
        retainEvents: 1_000,
        retainDeadLetters: 10,
        retainDeadLettersMs: 3_600_000,
        ...overrides,
      });

    it('refuses a caller that lost the lock, changing nothing', async () => {
      await lock('another');
      await redis.hset(keys.eventRetry(W), 'event_id', 'evt_5');
      expect(await settle()).to.equal(false);
      expect([await cursor(), await redis.exists(keys.eventRetry(W))]).to.deep.equal([null, 1]);
    });

    it('moves the cursor forward only, clears the retry state and extends the lock', async () => {
      await lock();
      await redis.hset(keys.eventRetry(W), 'event_id', 'evt_5', 'attempts', '2');
      expect(await settle()).to.equal(true);
      expect(await cursor()).to.equal('5');
      expect(await redis.exists(keys.eventRetry(W))).to.equal(0);
      expect(await redis.pttl(keys.eventLock(W))).to.be.above(29_000);
      expect(await settle({ sequence: 4 })).to.equal(true);
      expect(await cursor(), 'never back').to.equal('5');
    });

    it('trims delivered events beyond the ones to retain (whole stream nodes)', async () => {
      const pipeline = redis.pipeline();
      for (let seq = 1; seq <= 250; seq += 1) pipeline.xadd(keys.eventStream(W), `${seq}-0`, 'id', `evt_${seq}`);
      await pipeline.exec();
      await lock();
      expect(await settle({ sequence: 250, retainEvents: 10 })).to.equal(true);
      const left = await redis.xlen(keys.eventStream(W));
      expect(left).to.be.within(10, 240);
      const oldest = (await redis.xrange(keys.eventStream(W), '-', '+', 'COUNT', 1))[0]?.[0] ?? '';
      expect(Number(oldest.split('-')[0])).to.be.within(2, 241);
    });

    it('takes a replayed dead letter out of the replay set, cursor untouched', async () => {
      await lock();
      await redis.zadd(keys.eventReplay(W), 5, 'member-5', 6, 'member-6');
      expect(await settle({ replayMember: 'member-5' })).to.equal(true);
      expect(await redis.zrange(keys.eventReplay(W), 0, -1)).to.deep.equal(['member-6']);
      expect(await cursor()).to.equal(null);
    });

    it("stores a dead letter under the dead letters' retention: count, age, and expiry of both keys", async () => {
      await lock();
      const now = Date.now();
      await redis.hset(keys.eventDeadLetters(W), 'evt_1', JSON.stringify(dead(1, now - 7_200_000)));
      for (const seq of [2, 3])
        expect(await settle({ sequence: seq, eventId: `evt_${seq}`, deadLetter: dead(seq, now + seq), retainDeadLetters: 2 })).to.equal(true);
      expect(await settle({ sequence: 4, eventId: 'evt_4', deadLetter: dead(4, now + 4), retainDeadLetters: 2 })).to.equal(true);
      expect((await redis.hkeys(keys.eventDeadLetters(W))).sort(), 'the aged one and the oldest beyond 2 are gone').to.deep.equal(['evt_3', 'evt_4']);
      expect(await redis.zrange(keys.eventDeadLetterAges(W), 0, -1, 'WITHSCORES')).to.deep.equal(['evt_3', String(now + 3), 'evt_4', String(now + 4)]);
      expect(JSON.parse((await redis.hget(keys.eventDeadLetters(W), 'evt_4'))!)).to.deep.equal(dead(4, now + 4));
      expect(await redis.pttl(keys.eventDeadLetters(W))).to.be.within(3_590_000, 3_600_000);
      expect(await redis.pttl(keys.eventDeadLetterAges(W))).to.be.within(3_590_000, 3_600_000);
      expect(await cursor(), 'a dead-lettered stream event is settled too').to.equal('4');
    });

    it('keeps the last dead letters stored when several die in the same millisecond (not the last by id as text)', async () => {
      await lock();
      const now = Date.now();
      for (const seq of [8, 9, 10, 11])
        expect(await settle({ sequence: seq, eventId: `evt_${seq}`, deadLetter: dead(seq, now), retainDeadLetters: 2 })).to.equal(true);
      expect(await redis.zrange(keys.eventDeadLetterAges(W), 0, -1), '"evt_10" < "evt_11" < "evt_9" as text').to.deep.equal(['evt_10', 'evt_11']);
      expect((await redis.hkeys(keys.eventDeadLetters(W))).sort()).to.deep.equal(['evt_10', 'evt_11']);
    });
  });

  describe('defer-workspace', () => {
    const retry = { eventId: 'evt_5', attempts: 3, firstFailedAt: 100, lastError: 'HTTP 503' };

    it('records the retry state, schedules the workspace and releases the lock', async () => {
      await lock();
      expect(await S.deferWorkspace.run(redis, { keys, workspaceId: W, token: 'me', at: 9_000, retry })).to.equal(true);
      expect(await redis.hgetall(keys.eventRetry(W))).to.deep.equal({ event_id: 'evt_5', attempts: '3', first_failed_at: '100', last_error: 'HTTP 503' });
      expect(await redis.zscore(keys.eventsPending, String(W))).to.equal('9000');
      expect(await redis.exists(keys.eventLock(W))).to.equal(0);
      await lock();
      expect(await S.deferWorkspace.run(redis, { keys, workspaceId: W, token: 'me', at: 10_000, retry: undefined })).to.equal(true);
      expect(await redis.hget(keys.eventRetry(W), 'attempts'), 'no retry given: the state stays').to.equal('3');
      expect(await redis.zscore(keys.eventsPending, String(W))).to.equal('10000');
    });

    it('refuses a caller that lost the lock, changing nothing', async () => {
      await lock('another');
      expect(await S.deferWorkspace.run(redis, { keys, workspaceId: W, token: 'me', at: 9_000, retry })).to.equal(false);
      expect([await redis.exists(keys.eventRetry(W)), await redis.zscore(keys.eventsPending, String(W))]).to.deep.equal([0, null]);
      expect(await redis.get(keys.eventLock(W))).to.equal('another');
    });
  });

  describe('park-workspace', () => {
    const park = (token = 'me') => S.parkWorkspace.run(redis, { keys, workspaceId: W, token });

    it('parked: nothing left, the workspace leaves the pending set and the lock is released', async () => {
      await append(W, 1_000);
      await redis.hset(keys.eventCursors, String(W), '1');
      await lock();
      expect(await park()).to.deep.equal({ state: 'parked', skipped: 0 });
      expect([await redis.zscore(keys.eventsPending, String(W)), await redis.exists(keys.eventLock(W))]).to.deep.equal([null, 0]);
    });

    it('more: an event arrived past the cursor, or a replay is queued; lost: the lock is gone', async () => {
      await append(W, 1_000);
      await lock();
      expect(await park()).to.deep.equal({ state: 'more', skipped: 0 });
      await redis.hset(keys.eventCursors, String(W), '1');
      await redis.zadd(keys.eventReplay(W), 1, 'member');
      expect(await park()).to.deep.equal({ state: 'more', skipped: 0 });
      expect(await redis.get(keys.eventLock(W)), 'kept for the caller').to.equal('me');
      expect(await park('another')).to.deep.equal({ state: 'lost', skipped: 0 });
      expect(await redis.zscore(keys.eventsPending, String(W))).to.equal('1000');
    });

    it('skips events that aged out of the stream undelivered: cursor to the last, retry state cleared', async () => {
      await redis.set(keys.eventSequence(W), '7');
      await redis.hset(keys.eventCursors, String(W), '2');
      await redis.hset(keys.eventRetry(W), 'event_id', 'evt_3');
      await redis.zadd(keys.eventsPending, 1, String(W));
      await lock();
      expect(await park()).to.deep.equal({ state: 'parked', skipped: 5 });
      expect(await cursor()).to.equal('7');
      expect(await redis.exists(keys.eventRetry(W), keys.eventLock(W))).to.equal(0);
      expect(await redis.zscore(keys.eventsPending, String(W))).to.equal(null);
    });
  });

  describe('replay-dead-letters', () => {
    beforeEach(async () => {
      for (const seq of [4, 2, 9]) {
        await redis.hset(keys.eventDeadLetters(W), `evt_${seq}`, JSON.stringify(dead(seq, 1_000 + seq)));
        await redis.zadd(keys.eventDeadLetterAges(W), 1_000 + seq, `evt_${seq}`);
      }
    });
    const replay = (eventIds: string[], now = 5_000) => S.replayDeadLetters.run(redis, { keys, workspaceId: W, eventIds, now });

    it('moves the given dead letters to the replay set by sequence, marks the workspace pending and wakes the dispatcher', async () => {
      const woken = await heard(async () => {
        expect(await replay(['evt_9', 'evt_4', 'evt_nope'])).to.equal(2);
      });
      expect(woken).to.deep.equal([String(W)]);
      const queued = await redis.zrange(keys.eventReplay(W), 0, -1, 'WITHSCORES');
      expect(queued.filter((_, i) => i % 2 === 1)).to.deep.equal(['4', '9']);
      expect(JSON.parse(queued[0]!)).to.deep.equal(event(4));
      expect(await redis.hkeys(keys.eventDeadLetters(W))).to.deep.equal(['evt_2']);
      expect(await redis.zrange(keys.eventDeadLetterAges(W), 0, -1)).to.deep.equal(['evt_2']);
      expect(await redis.zscore(keys.eventsPending, String(W))).to.equal('5000');
    });

    it('replays all of them when no id is given; none found: nothing marked, nobody woken', async () => {
      expect(await replay([])).to.equal(3);
      expect(await redis.zcard(keys.eventReplay(W))).to.equal(3);
      await redis.zrem(keys.eventsPending, String(W));
      const woken = await heard(async () => {
        expect(await replay([])).to.equal(0);
        expect(await replay(['evt_2'])).to.equal(0);
      });
      expect(woken).to.deep.equal([]);
      expect(await redis.zscore(keys.eventsPending, String(W))).to.equal(null);
    });
  });
});
