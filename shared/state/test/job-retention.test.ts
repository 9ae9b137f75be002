import { expect } from 'chai';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createKeys, type Keys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, testRedis, waitFor } from '@fleet/testing';
import { EVENTS_KEPT, ShardQueues } from '../src';

describe('state: finished jobs of the shard queues are kept within bounds (real Redis, real BullMQ)', function () {
  this.timeout(60_000);
  let redis: Redis;
  let keys: Keys;
  let prefix: string;
  let queues: ShardQueues;
  let worker: Worker | undefined;
  let workerConnection: Redis | undefined;

  beforeEach(() => {
    redis = testRedis();
    prefix = freshPrefix('jobs');
    keys = createKeys(prefix);
    queues = new ShardQueues(redis, keys);
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    workerConnection?.disconnect();
    await queues.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('keeps at most 1,000 failed jobs per queue, each with only its last stack trace', async () => {
    const queue = queues.queue(0);
    workerConnection = testRedis();
    worker = new Worker(
      queue.name,
      async (): Promise<void> => {
        throw new Error('session_not_connected');
      },
      { connection: workerConnection, prefix: keys.bullPrefix, concurrency: 50 },
    );
    const data = { messageId: 'm', sessionId: 's1', workspaceId: 1 };
    const settled = async (): Promise<boolean> => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
      return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0;
    };
    // 1,100 jobs that fail at once: more than the bound.
    for (let done = 0; done < 1_100; done += 100) {
      await queue.addBulk(Array.from({ length: 100 }, (_, i) => ({ name: 'message.send', data, opts: { jobId: `j${done + i}`, attempts: 1 } })));
    }
    await waitFor(settled, { what: 'every job failed', timeoutMs: 50_000 });
    // Then one through three attempts.
    await queue.add('message.send', data, { jobId: 'retried', attempts: 3, backoff: { type: 'fixed', delay: 10 } });
    await waitFor(async () => (await queue.getJobState('retried')) === 'failed', { what: 'the retried job failed' });
    expect(await queue.getFailedCount()).to.be.within(900, 1_000);
    expect((await queue.getJob('j1099'))?.failedReason).to.equal('session_not_connected');
    expect(await queue.getJob('j0')).to.equal(undefined);
    const retried = await queue.getJob('retried');
    expect(retried?.attemptsMade).to.equal(3);
    expect(retried?.stacktrace).to.have.length(1);
  });

  it('keeps at most 1,000 completed jobs per queue', async () => {
    const queue = queues.queue(1);
    workerConnection = testRedis();
    worker = new Worker(queue.name, async (): Promise<void> => undefined, { connection: workerConnection, prefix: keys.bullPrefix, concurrency: 50 });
    const data = { sessionId: 's1', workspaceId: 1 };
    for (let done = 0; done < 1_100; done += 100) {
      await queue.addBulk(Array.from({ length: 100 }, (_, i) => ({ name: 'session.start', data, opts: { jobId: `c${done + i}` } })));
    }
    await waitFor(async () => (await queue.getJobState('c1099')) === 'completed' && (await queue.getActiveCount()) + (await queue.getWaitingCount()) === 0, {
      what: 'every job completed',
      timeoutMs: 50_000,
    });
    expect(await queue.getCompletedCount()).to.be.within(900, 1_000);
    // Three events a job (added, active, completed) for 1,100 jobs; BullMQ trims approximately (~).
    expect(await workerConnection.xlen(`${keys.bullPrefix}:${queue.name}:events`)).to.be.at.most(2 * EVENTS_KEPT);
  });
});
