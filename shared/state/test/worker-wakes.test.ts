import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis, waitFor } from '@fleet/testing';
import { parseWake, ShardQueues, WorkerWakes, type Wake } from '../src';

describe("state: wake-ups of a session's worker (sends, starts) go straight to it when it listens, as a job otherwise (real Redis)", () => {
  let redis: Redis;
  let subscriber: Redis;
  let keys: Keys;
  let prefix: string;
  let queues: ShardQueues;
  let wakes: WorkerWakes;

  beforeEach(() => {
    redis = testRedis();
    subscriber = testRedis();
    prefix = freshPrefix('wakes');
    keys = createKeys(prefix);
    queues = new ShardQueues(redis, keys);
    wakes = new WorkerWakes(redis, keys, queues);
  });
  afterEach(async () => {
    subscriber.disconnect();
    await queues.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const wake: Wake = { name: 'message.send', shard: 7, job: { sessionId: 's1', messageId: 'm1', workspaceId: 3, incarnation: 'inc-1' } };
  const start: Wake = { name: 'session.start', shard: 7, job: { sessionId: 's1', workspaceId: 3, incarnation: 'inc-1' }, jobId: 'start-s1-inc-1' };

  it("publishes on the owner's channel when a worker listens there: no job is left in the queue", async () => {
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, text: string) => heard.push(text));
    await subscriber.subscribe(keys.workerWakes('worker-a'));
    expect(await wakes.wake(wake, 'worker-a')).to.equal('direct');
    await waitFor(async () => heard.length === 1, { what: 'the wake-up heard' });
    const heardWake = parseWake(heard[0]!);
    expect(heardWake).to.deep.include(wake);
    expect(heardWake?.at, 'when it was sent').to.be.within(Date.now() - 5_000, Date.now());
    expect(await queues.queue(7).getJobCounts('waiting')).to.deep.equal({ waiting: 0 });
  });

  it("adds the message.send job to the shard queue when nobody listens on the owner's channel, or there is no live owner; a repeat is one job", async () => {
    await subscriber.subscribe(keys.workerWakes('worker-a'));
    expect(await wakes.wake(wake, 'worker-b'), 'worker-b is down: nobody on its channel').to.equal('queued');
    expect(await wakes.wake(wake, undefined), 'no live owner').to.equal('queued');
    const jobs = await queues.queue(7).getJobs(['waiting']);
    expect(jobs.map((job) => [job.id, job.name, job.data])).to.deep.equal([['m1', 'message.send', wake.job]]);
    expect(jobs[0]?.opts.attempts, 'a lost wake-up costs latency: not retried').to.equal(1);
  });

  it("sends a start on the owner's channel, or adds the session.start job under its own id, retried as every session command", async () => {
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, text: string) => heard.push(text));
    await subscriber.subscribe(keys.workerWakes('worker-a'));
    expect(await wakes.wake(start, 'worker-a')).to.equal('direct');
    await waitFor(async () => heard.length === 1, { what: 'the start heard' });
    expect(parseWake(heard[0]!)).to.deep.include(start);
    expect(await wakes.wake(start, 'worker-b')).to.equal('queued');
    const jobs = await queues.queue(7).getJobs(['waiting']);
    expect(jobs.map((job) => [job.id, job.name, job.data])).to.deep.equal([['start-s1-inc-1', 'session.start', start.job]]);
    expect(jobs[0]?.opts.attempts).to.be.greaterThan(1);
  });

  it('reads only well-formed wake-ups from a channel; one without a name is a message.send', () => {
    expect(parseWake(JSON.stringify({ shard: 0, job: { sessionId: 's', messageId: 'm' } }))).to.deep.equal({
      name: 'message.send',
      shard: 0,
      job: { sessionId: 's', messageId: 'm' },
    });
    expect(parseWake(JSON.stringify({ name: 'session.start', shard: 2, job: { sessionId: 's', workspaceId: 4 }, jobId: 'j', at: 5 }))).to.deep.equal({
      name: 'session.start',
      shard: 2,
      job: { sessionId: 's', workspaceId: 4 },
      jobId: 'j',
      at: 5,
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
      JSON.stringify({ name: 'session.stop', shard: 1, job: { sessionId: 's' }, jobId: 'j' }),
      JSON.stringify({ name: 'session.start', shard: 1, job: { sessionId: 's' } }),
      JSON.stringify({ name: 'session.start', shard: 1, job: { sessionId: '' }, jobId: 'j' }),
      JSON.stringify({ name: 'session.start', shard: 1, job: { sessionId: 's', incarnation: 3 }, jobId: 'j' }),
    ]) {
      expect(parseWake(text), text).to.equal(undefined);
    }
  });
});
