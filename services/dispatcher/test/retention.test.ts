import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { DeadLetterStore, EventLog, WebhookStore } from '@fleet/events';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { createDispatcher, dispatcherConfig, type Dispatcher, type DispatcherConfig } from '../src';
import { TestReceiver } from './fixtures/receiver';

const SECRET = 'test-secret-0123456789';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Bytes Redis holds for every key of the test's prefix (exact: SAMPLES 0); the shared Redis's own total is other tests' too. */
async function prefixMemory(redis: Redis, prefix: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) total += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  } while (cursor !== '0');
  return total;
}

describe('dispatcher: retention of event streams and dead letters (real Redis, real HTTP)', function () {
  this.timeout(90_000);
  let redis: Redis;
  let prefix: string;
  let keys: Keys;
  let log: EventLog;
  let receiver: TestReceiver;
  let dispatcher: Dispatcher | undefined;

  const start = async (overrides: Partial<DispatcherConfig> = {}): Promise<Dispatcher> => {
    const config = dispatcherConfig(
      { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' },
      {
        host: '127.0.0.1',
        port: 0,
        pollMs: 50,
        retryBaseMs: 50,
        retryMaxDelayMs: 300,
        timeoutMs: 2_000,
        noReceiverRecheckMs: 100,
        webhookAllow: ['127.0.0.1'],
        ...overrides,
      },
    );
    dispatcher = createDispatcher(config, { logger: createSilentLogger() });
    await dispatcher.start();
    return dispatcher;
  };

  /** `count` received texts of 300 characters for one workspace, 100 appends in flight at a time. */
  const burst = async (workspaceId: number, count: number): Promise<void> => {
    for (let done = 0; done < count; done += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, count - done) }, (_, i) =>
          log.append(workspaceId, 'message.received', {
            session_id: 's1',
            message_id: `w${done + i}`,
            chat: '15550002222@s.whatsapp.net',
            from: '15550002222@s.whatsapp.net',
            group: null,
            type: 'text',
            text: 'x'.repeat(300),
            timestamp: 1,
          }),
        ),
      );
    }
  };

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('dret');
    keys = createKeys(prefix);
    log = new EventLog(redis, keys);
    receiver = new TestReceiver(SECRET);
    await receiver.start();
  });

  afterEach(async () => {
    await dispatcher?.close();
    dispatcher = undefined;
    await receiver.stop();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('keeps a workspace with no receiver bounded over a long run (stream length and Redis memory flat), and delivers the newest once a webhook is set', async () => {
    const retain = 200;
    await start({ retainEvents: retain });
    const ws = 21;
    const settle = async (): Promise<{ length: number; memory: number }> => {
      await sleep(400); // a few no-receiver rechecks (every 100 ms)
      return { length: await redis.xlen(keys.eventStream(ws)), memory: await prefixMemory(redis, prefix) };
    };
    for (let round = 0; round < 4; round += 1) await burst(ws, 500);
    const warm = await settle();
    for (let round = 0; round < 16; round += 1) {
      await burst(ws, 500);
      await sleep(50);
    }
    const end = await settle();
    expect(warm.length, 'stream length after 2,000 events').to.be.at.most(retain);
    expect(end.length, 'stream length after 10,000 events').to.be.at.most(retain);
    expect(end.memory, `prefix memory ${end.memory} B after 10,000 events vs ${warm.memory} B after 2,000`).to.be.below(warm.memory * 1.2);

    await new WebhookStore(redis, keys).set(ws, { url: receiver.url, secret: SECRET, events: [] });
    await waitFor(() => receiver.accepted(ws).length === retain, { what: 'the retained events', timeoutMs: 20_000 });
    await waitFor(async () => (await redis.zscore(keys.eventsPending, String(ws))) === null, { what: 'workspace parked' });
    expect(receiver.accepted(ws).map((event) => event.sequence)).to.deep.equal(Array.from({ length: retain }, (_, i) => 10_000 - retain + 1 + i));
    const metrics = await dispatcher!.metrics.registry.metrics();
    expect(metrics).to.match(new RegExp(`fleet_webhook_events_trimmed_total\\{[^}]*\\} ${10_000 - retain}\\b`));
  });

  it('parks a workspace whose undelivered events all aged out, instead of looking at it again forever', async () => {
    await new WebhookStore(redis, keys).set(22, { url: receiver.url, secret: SECRET, events: [] });
    receiver.behaviour = () => 500;
    await start();
    for (let i = 0; i < 3; i += 1) await log.append(22, 'message.sent', { message_id: `m${i}`, session_id: 's1', status: 'sent' });
    await waitFor(() => receiver.deliveries.length >= 2, { what: 'failing attempts' });
    // Every undelivered event ages out (what the stream's age limit does to a silent workspace).
    await redis.del(keys.eventStream(22));
    receiver.behaviour = () => 200;
    await waitFor(async () => (await redis.zscore(keys.eventsPending, '22')) === null, { what: 'workspace parked', timeoutMs: 5_000 });
    expect(await redis.hget(keys.eventCursors, '22')).to.equal('3');
    expect(await redis.exists(keys.eventRetry(22))).to.equal(0);
  });

  it('keeps at most DISPATCHER_RETAIN_DEAD_LETTERS dead letters per workspace, the newest', async () => {
    await new WebhookStore(redis, keys).set(31, { url: receiver.url, secret: SECRET, events: [] });
    receiver.behaviour = () => 500;
    await start({ maxAttempts: 1, retainDeadLetters: 10 });
    for (let i = 0; i < 40; i += 1) await log.append(31, 'message.sent', { message_id: `m${i}`, session_id: 's1', status: 'sent' });
    await waitFor(async () => (await redis.hget(keys.eventCursors, '31')) === '40', { what: 'every event dead-lettered', timeoutMs: 20_000 });
    const listed = await new DeadLetterStore(redis, keys).list(31);
    expect(listed.total).to.equal(10);
    expect(listed.items.map((item) => item.event.sequence)).to.deep.equal(Array.from({ length: 10 }, (_, i) => 31 + i));
    expect(await redis.hlen(keys.eventDeadLetters(31))).to.equal(10);
    expect(await redis.zcard(keys.eventDeadLetterAges(31))).to.equal(10);
    // A replayed dead letter leaves the retention's index with it.
    expect(await new DeadLetterStore(redis, keys).replay(31, [listed.items[0]!.event.id])).to.equal(1);
    expect(await redis.zcard(keys.eventDeadLetterAges(31))).to.equal(9);
  });

  it('drops dead letters older than DISPATCHER_RETAIN_DEAD_LETTERS_MS, including those stored before their ages were recorded', async () => {
    await new WebhookStore(redis, keys).set(32, { url: receiver.url, secret: SECRET, events: [] });
    receiver.behaviour = () => 500;
    // A dead letter written by an older version (no age entry), dead long ago.
    const old = await log.append(32, 'message.sent', { message_id: 'm-old', session_id: 's1', status: 'sent' });
    await redis.hset(keys.eventDeadLetters(32), old.id, JSON.stringify({ event: old, attempts: 1, last_error: 'HTTP 500', first_failed_at: 1, dead_at: 1 }));
    await redis.hset(keys.eventCursors, '32', '1');
    await start({ maxAttempts: 1, retainDeadLettersMs: 2_000 });
    for (let i = 0; i < 3; i += 1) await log.append(32, 'message.sent', { message_id: `m${i}`, session_id: 's1', status: 'sent' });
    await waitFor(async () => (await redis.hget(keys.eventCursors, '32')) === '4', { what: 'three dead letters' });
    const dead = new DeadLetterStore(redis, keys);
    expect((await dead.list(32)).items.map((item) => item.event.sequence)).to.deep.equal([2, 3, 4]);
    expect(await redis.pttl(keys.eventDeadLetters(32))).to.be.within(1, 2_000);
    await sleep(1_200);
    await log.append(32, 'message.sent', { message_id: 'm3', session_id: 's1', status: 'sent' });
    await waitFor(async () => (await redis.hget(keys.eventCursors, '32')) === '5', { what: 'a fourth dead letter' });
    await sleep(1_100); // the first three are now older than 2 s, the fourth is not; the next store drops them
    await log.append(32, 'message.sent', { message_id: 'm4', session_id: 's1', status: 'sent' });
    await waitFor(async () => (await redis.hget(keys.eventCursors, '32')) === '6', { what: 'a fifth dead letter' });
    expect((await dead.list(32)).items.map((item) => item.event.sequence)).to.deep.equal([5, 6]);
    // With no new dead letter for that long, the rest expire as a whole.
    await waitFor(async () => (await dead.list(32)).total === 0, { what: 'dead letters expired', timeoutMs: 5_000 });
    expect(await redis.exists(keys.eventDeadLetters(32), keys.eventDeadLetterAges(32))).to.equal(0);
  });
});
