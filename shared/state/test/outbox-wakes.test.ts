import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis, waitFor } from '@fleet/testing';
import { OutboxWakes, parseOutboxWake, ShardQueues, type OutboxWake } from '../src';

describe("state: wake-ups of a session's sender go straight to its worker when one listens, as a job otherwise (real Redis)", () => {
  let redis: Redis;
  let subscriber: Redis;
  let keys: Keys;
  let prefix: string;
  let queues: ShardQueues;
  let wakes: OutboxWakes;

  beforeEach(() => {
    redis = testRedis();
    subscriber = testRedis();
    prefix = freshPrefix('wakes');
    keys = createKeys(prefix);
    queues = new ShardQueues(redis, keys);
    wakes = new OutboxWakes(redis, keys, queues);
  });
  afterEach(async () => {
    subscriber.disconnect();
    await queues.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const wake: OutboxWake = { shard: 7, job: { sessionId: 's1', messageId: 'm1', workspaceId: 3, incarnation: 'inc-1' } };

  it("publishes on the owner's channel when a worker listens there: no job is left in the queue", async () => {
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, text: string) => heard.push(text));
    await subscriber.subscribe(keys.outboxWakes('worker-a'));
    expect(await wakes.wake(wake, 'worker-a')).to.equal('direct');
    await waitFor(async () => heard.length === 1, { what: 'the wake-up heard' });
    const heardWake = parseOutboxWake(heard[0]!);
    expect(heardWake).to.deep.include(wake);
    expect(heardWake?.at, 'when it was sent').to.be.within(Date.now() - 5_000, Date.now());
    expect(await queues.queue(7).getJobCounts('waiting')).to.deep.equal({ waiting: 0 });
  });

  it("adds the message.send job to the shard queue when nobody listens on the owner's channel, or there is no live owner; a repeat is one job", async () => {
    await subscriber.subscribe(keys.outboxWakes('worker-a'));
    expect(await wakes.wake(wake, 'worker-b'), 'worker-b is down: nobody on its channel').to.equal('queued');
    expect(await wakes.wake(wake, undefined), 'no live owner').to.equal('queued');
    const jobs = await queues.queue(7).getJobs(['waiting']);
    expect(jobs.map((job) => [job.id, job.name, job.data])).to.deep.equal([['m1', 'message.send', wake.job]]);
  });

  it('reads only well-formed wake-ups from a channel', () => {
    expect(parseOutboxWake(JSON.stringify({ shard: 0, job: { sessionId: 's', messageId: 'm' } }))).to.deep.equal({
      shard: 0,
      job: { sessionId: 's', messageId: 'm' },
    });
    for (const text of [
      'not json',
      'null',
      JSON.stringify({ shard: -1, job: { sessionId: 's', messageId: 'm' } }),
      JSON.stringify({ shard: 1.5, job: { sessionId: 's', messageId: 'm' } }),
      JSON.stringify({ shard: 1, job: { sessionId: 5, messageId: 'm' } }),
      JSON.stringify({ shard: 1, job: { sessionId: 's' } }),
      JSON.stringify({ shard: 1, job: { sessionId: 's', messageId: 'm', workspaceId: 'x' } }),
      JSON.stringify({ shard: 1, job: { sessionId: 's', messageId: 'm', incarnation: 4 } }),
      JSON.stringify({ shard: 1, job: { sessionId: 's', messageId: 'm' }, at: 'now' }),
    ]) {
      expect(parseOutboxWake(text), text).to.equal(undefined);
    }
  });
});
