import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { EventLog } from '../src';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('events: retention of a workspace stream at append, with no dispatcher at all (real Redis)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('evr');
    keys = createKeys(prefix);
  });
  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const received = (i: number) => ({
    session_id: 's1',
    message_id: `w${i}`,
    chat: '15550002222@s.whatsapp.net',
    from: '15550002222@s.whatsapp.net',
    group: null,
    type: 'text',
    text: 'x'.repeat(300),
    timestamp: 1,
  });

  it('keeps about maxEvents per stream, whatever is appended: length and memory stay flat', async () => {
    const log = new EventLog(redis, keys, { maxEvents: 300 });
    const appendMany = async (from: number, count: number): Promise<void> => {
      for (let done = 0; done < count; done += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(5, 'message.received', received(from + done + i))));
      }
    };
    const memory = async (): Promise<number> => Number(await redis.call('MEMORY', 'USAGE', keys.eventStream(5), 'SAMPLES', '0'));
    await appendMany(0, 1_000);
    const [lengthAt1k, memoryAt1k] = [await redis.xlen(keys.eventStream(5)), await memory()];
    await appendMany(1_000, 5_000);
    const [lengthAt6k, memoryAt6k] = [await redis.xlen(keys.eventStream(5)), await memory()];
    // MAXLEN ~ trims whole stream nodes (100 entries each by default): at most about one node more.
    expect(lengthAt1k).to.be.within(300, 400);
    expect(lengthAt6k).to.be.within(300, 400);
    expect(memoryAt6k, `stream memory ${memoryAt6k} B after 6,000 events vs ${memoryAt1k} B after 1,000`).to.be.below(memoryAt1k * 1.35);
    const page = await log.since(5, 0, 10);
    expect(page.latestSequence).to.equal(6_000);
    expect(page.oldestSequence).to.equal(6_000 - lengthAt6k + 1);
    expect(page.events[0]!.sequence).to.equal(page.oldestSequence);
  });

  it('drops events older than maxAgeMs from the head as new ones arrive (message status events too)', async () => {
    const log = new EventLog(redis, keys, { maxAgeMs: 60_000 });
    const t0 = Date.now() - 120_000;
    for (let i = 0; i < 150; i += 1) await log.append(6, 'message.received', received(i), t0 + i);
    expect(await redis.xlen(keys.eventStream(6))).to.equal(150);
    // Appended 61 s after the first ones: those are past the age limit, at most 100 leave per append.
    await log.append(6, 'message.received', received(150), t0 + 60_120);
    expect(await redis.xlen(keys.eventStream(6))).to.equal(51);
    await log.append(6, 'message.sent', { message_id: '3EB0000000000000000000AA', session_id: 's1', status: 'sent' }, t0 + 60_200);
    // Its cutoff (t0 + 200) is past the 50 left from the first batch: only the two recent ones stay.
    const page = await log.since(6, 0, 1_000);
    expect(page.events.map((event) => [event.sequence, event.type])).to.deep.equal([
      [151, 'message.received'],
      [152, 'message.sent'],
    ]);
    expect(await redis.pttl(keys.eventStream(6))).to.be.within(59_000, 60_000);
  });

  it('lets a stream with no append for maxAgeMs expire as a whole; catch-up then reports every event as gone', async () => {
    const log = new EventLog(redis, keys, { maxAgeMs: 300 });
    for (let i = 0; i < 3; i += 1) await log.append(7, 'message.received', received(i));
    await sleep(500);
    expect(await redis.exists(keys.eventStream(7))).to.equal(0);
    const page = await log.since(7, 1, 100);
    // GET /api/events answers truncated = oldest_available > since + 1: true for since 1, false for since 3.
    expect(page).to.deep.equal({ events: [], latestSequence: 3, oldestSequence: 4 });
    expect((await log.append(7, 'message.received', received(3))).sequence).to.equal(4);
  });
});
