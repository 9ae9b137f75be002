import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createDispatcher, dispatcherConfig, type Dispatcher } from '@fleet/dispatcher';
import { createIngress, type Ingress } from '@fleet/ingress';
import { createSilentLogger } from '@fleet/logger';
import { readMediaConfig } from '@fleet/media';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { createWorker, workerConfig, type FleetWorker, type SessionConnector } from '@fleet/worker';
import { JsonClient } from '../src/harness/json-client';

const API_KEY = 'growth-test-key-0123456789';
/** A session that never connects: every message sent to it waits, then fails. */
const neverConnects: SessionConnector = {
  start: async () => ({ send: async () => ({ waMessageId: '' }), stop: async () => undefined, logout: async () => undefined }),
  close: async () => undefined,
};

/** Bytes Redis holds under `prefix` (MEMORY USAGE of every key) and how many keys. */
async function footprint(redis: Redis, prefix: string): Promise<{ bytes: number; keys: number }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    const sizes = await Promise.all(batch.map((key) => redis.memory('USAGE', key, 'SAMPLES', '0')));
    bytes += sizes.reduce<number>((sum, size) => sum + Number(size ?? 0), 0);
    keys += batch.length;
  } while (cursor !== '0');
  return { bytes, keys };
}

/**
 * Redis must not grow without bound. A session that never connects is sent messages steadily, and its
 * workspace has no webhook receiver: each message waits (record, text, outbox entry, a wake-up job),
 * fails when it waited too long (with a message.failed event), and everything it left ages out. With
 * the retentions scaled down to seconds, the footprint levels off at rate × retention and stays there.
 */
describe('Redis stays bounded: steady sends to a session that never connects, events with no receiver (in-process, real Redis)', function () {
  this.timeout(120_000);
  let redis: Redis;
  let prefix: string;
  let storage: string;
  let ingress: Ingress;
  let worker: FleetWorker;
  let dispatcher: Dispatcher;
  let client: JsonClient;

  before(async () => {
    redis = testRedis();
    prefix = freshPrefix('growth');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-growth-'));
    const common = { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' as const };
    ingress = createIngress(
      {
        common,
        host: '127.0.0.1',
        port: 0,
        apiKeys: [API_KEY],
        bodyLimitBytes: 65_536,
        shardCount: 8,
        heartbeatTtlMs: 5_000,
        healthSweepMs: 3_600_000,
        messageRetentionSeconds: 4,
        messageBodyRetentionSeconds: 3,
        media: readMediaConfig({}),
        backups: { ...readMediaConfig({}).s3, bucket: 'fleet-backups', prefix: 'fleet/' },
      },
      { logger: createSilentLogger() },
    );
    const config = workerConfig(
      { common, instanceId: 'instance-1', storagePath: storage },
      {
        maxSessions: 10,
        host: '127.0.0.1',
        port: 0,
        shardCount: 8,
        heartbeatTtlMs: 5_000,
        authStateIoThreads: 1,
        credsPoolSize: 0,
        keyCacheMb: 16,
        messageMaxWaitSeconds: 2,
      },
    );
    worker = createWorker(config, { connector: neverConnects, logger: createSilentLogger() });
    dispatcher = createDispatcher(dispatcherConfig(common, { host: '127.0.0.1', port: 0, retainEvents: 100, noReceiverRecheckMs: 1_000 }), {
      logger: createSilentLogger(),
    });
    const { url } = await ingress.start();
    await worker.start();
    await dispatcher.start();
    client = new JsonClient(url, { authorization: `Bearer ${API_KEY}` });
    const created = await client.request('POST', '/api/sessions/create', { session_id: 'away', workspace_id: 3, account_id: '1' });
    expect(created.status).to.equal(202);
  });

  after(async () => {
    client?.close();
    await dispatcher?.close();
    await worker?.close();
    await ingress?.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  it('levels off: the footprint in the second half of a 24 s run does not grow, and no job holds message text', async () => {
    const text = `a message that waits for its session; ${'x'.repeat(300)}`;
    const samples: Array<{ at: number; bytes: number; keys: number }> = [];
    const started = Date.now();
    let sent = 0;
    const rateMs = 10; // 100 messages a second
    while (Date.now() - started < 24_000) {
      const due = Math.floor((Date.now() - started) / rateMs);
      const batch = [];
      for (; sent < due; sent += 1)
        batch.push(client.request('POST', '/api/messages/send', { session_id: 'away', to: '+15550001234', text, idempotency_key: `k-${sent}` }));
      const answers = await Promise.all(batch);
      expect(
        answers.every((answer) => answer.status === 202),
        JSON.stringify(answers.find((a) => a.status !== 202)),
      ).to.equal(true);
      if (samples.length === 0 || Date.now() - started - samples.at(-1)!.at >= 2_000)
        samples.push({ at: Date.now() - started, ...(await footprint(redis, prefix)) });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const half = samples.filter((sample) => sample.at >= 12_000);
    const first = half[0]!;
    const peak = Math.max(...half.map((sample) => sample.bytes));
    const log = samples.map((s) => `${(s.at / 1000).toFixed(0)} s: ${s.keys} keys, ${(s.bytes / 1024).toFixed(0)} KiB`).join('\n');
    // The sends wait for their answers, so a loaded machine sends fewer than 100/s: enough to fill the queues.
    expect(sent).to.be.greaterThan(1_000);
    expect(peak, log).to.be.below(first.bytes * 1.2);
    // Messages did wait, then fail (with their events): none is left waiting past its bound.
    await waitFor(async () => (await redis.zcard(`${prefix}:outbox:away`)) === 0, { what: 'the outbox empties once sends stop', timeoutMs: 10_000 });
    // The wake-up jobs carry ids only: no message text is kept in a job.
    const jobKeys = (await redis.keys(`${prefix}:bull:*`)).filter((key) => /:\d+$|:3EB0[0-9A-F]{20}$/.test(key));
    const datas = await Promise.all(jobKeys.map((key) => redis.hget(key, 'data')));
    expect(datas.filter((data) => data?.includes('waits for its session'))).to.deep.equal([]);
  });
});
