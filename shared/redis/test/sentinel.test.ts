import { expect } from 'chai';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startSentinelRedis, type SentinelRedis } from '@fleet/testing';
import { createRedis } from '../src';

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('redis: Sentinel failover leaves BullMQ workers consuming (real redis-server and redis-sentinel)', function () {
  this.timeout(120_000);
  let setup: SentinelRedis;

  before(async () => {
    setup = await startSentinelRedis();
  });

  after(async () => {
    // Let the clients BullMQ made finish quitting before their servers go away.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await setup?.close();
  });

  it('processes jobs before and after a Sentinel failover with the same Worker', async () => {
    const connection = createRedis(setup.url, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    const queue = new Queue('sentinel-test', { connection, prefix: 'sentinel' });
    const workerConnection = createRedis(setup.url, { maxRetriesPerRequest: null });
    workerConnection.on('error', () => undefined);
    const processed: string[] = [];
    const worker = new Worker(
      'sentinel-test',
      async (job) => {
        processed.push(job.name);
      },
      { connection: workerConnection, prefix: 'sentinel' },
    );
    worker.on('error', () => undefined);
    try {
      await queue.add('before', {});
      await until(async () => processed.includes('before'), 'job before the failover');

      await setup.replicaKnown();
      const sentinel = new Redis(setup.ports.sentinel, '127.0.0.1');
      sentinel.on('error', () => undefined);
      try {
        await sentinel.call('SENTINEL', 'FAILOVER', setup.name);
      } finally {
        sentinel.disconnect();
      }
      await setup.promoted();

      await until(async () => {
        await queue.add('after', {}, { jobId: 'after-failover' });
        return true;
      }, 'enqueue on the new master');
      await until(async () => processed.includes('after'), 'job after the failover');
      const promoted = new Redis(setup.ports.replica, '127.0.0.1');
      promoted.on('error', () => undefined);
      expect(await promoted.call('ROLE')).to.have.nested.property('[0]', 'master');
      promoted.disconnect();
    } finally {
      await worker.close(true).catch(() => undefined);
      await queue.close().catch(() => undefined);
      connection.disconnect();
      workerConnection.disconnect();
    }
  });
});
