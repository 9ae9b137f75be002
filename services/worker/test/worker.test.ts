import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createKeys } from '@fleet/keys';
import { createLogger, createSilentLogger } from '@fleet/logger';
import { MessageLedger } from '@fleet/messages';
import { SessionStore, ShardQueues, WorkerWakes, jobId, type SessionJob } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { shardOf } from '@fleet/ring';
import { createWorker, workerConfig, type FleetWorker, type SessionConnector, type WorkerConfig } from '../src';
import { InstantConnector } from './fixtures/instant-connector';

/** A worker's settings for these tests (its own prefix and storage). */
function testConfig(prefix: string, storage: string, instanceId = 'instance-1'): WorkerConfig {
  return workerConfig(
    { common: { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' }, instanceId, storagePath: storage },
    {
      maxSessions: 10,
      host: '127.0.0.1',
      port: 0,
      shardCount: 8,
      heartbeatTtlMs: 3_000,
      shardConcurrency: 4,
      authStateIoThreads: 2,
      credsPoolSize: 0,
      keyCacheMb: 16,
    },
  );
}

const testLogger = () => (process.env.WORKER_TEST_LOGS ? createLogger({ service: 'worker' }) : createSilentLogger());

describe('worker: consuming its shards (in-process, real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let storage: string;
  let worker: FleetWorker;
  let connector: InstantConnector;
  let queues: ShardQueues;

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('wrk');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-worker-'));
    connector = new InstantConnector({ instanceId: 'instance-1' });
    worker = createWorker(testConfig(prefix, storage), { connector, logger: testLogger() });
    queues = new ShardQueues(redis, createKeys(prefix));
  });

  afterEach(async () => {
    await worker.close();
    await queues.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  it('registers, owns every shard alone, starts queued sessions and sends their messages', async () => {
    const { url } = await worker.start();
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    const messages = new MessageLedger(redis, keys);
    const shard = shardOf(7, 8);
    await sessions.create({ sessionId: 'w1', workspaceId: 7, accountId: '1', shard });
    await queues.add(shard, 'session.start', { sessionId: 'w1', workspaceId: 7 }, jobId('start', 'w1'));
    await waitFor(async () => (await sessions.get('w1'))?.status === 'connected', { what: 'session connected' });
    expect((await sessions.get('w1'))?.owner).to.equal('instance-1');
    expect(connector.started.map((s) => s.storageDir)).to.deep.equal([path.join(storage, 'workspace_7', 'w1')]);

    const accepted = await messages.accept({ sessionId: 'w1', to: '+15551234567', content: { type: 'text', text: 'hi' } });
    if (accepted.kind !== 'new') throw new Error('expected a new message');
    const { messageId } = accepted.record;
    await queues.add(shard, 'message.send', { messageId, sessionId: 'w1', workspaceId: 7 }, messageId);
    await waitFor(async () => (await messages.get(messageId))?.status === 'delivered', { what: 'message delivered' });
    expect(connector.sent).to.have.length(1);

    const health = await (await fetch(`${url}/health`)).json();
    expect(health).to.deep.equal({ status: 'healthy', instance_id: 'instance-1', sessions: { total: 1, max: 10, utilization: 0.1 } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).to.match(/fleet_sessions\{[^}]*status="connected"[^}]*\} 1/);
  });

  it("hears wake-ups on its own channel: a start runs at once, a session it runs sends at once, one it does not run gets the wake-up as a job in its shard's queue", async () => {
    const { url } = await worker.start();
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    const messages = new MessageLedger(redis, keys);
    const wakes = new WorkerWakes(redis, keys, queues);
    const shard = shardOf(7, 8);
    await sessions.create({ sessionId: 'w2', workspaceId: 7, accountId: '1', shard });
    const start = { name: 'session.start', shard, job: { sessionId: 'w2', workspaceId: 7 }, jobId: jobId('start', 'w2') } as const;
    expect(await wakes.wake(start, 'instance-1')).to.equal('direct');
    await waitFor(async () => (await sessions.get('w2'))?.status === 'connected', { what: 'session connected' });
    expect(await queues.queue(shard).getJobs(['waiting', 'active', 'completed', 'failed']), 'the start ran without a job').to.deep.equal([]);

    const accepted = await messages.accept({ sessionId: 'w2', to: '+15551234567', content: { type: 'text', text: 'hi' } });
    if (accepted.kind !== 'new') throw new Error('expected a new message');
    const { messageId } = accepted.record;
    expect(await wakes.wake({ name: 'message.send', shard, job: { messageId, sessionId: 'w2', workspaceId: 7 } }, 'instance-1')).to.equal('direct');
    await waitFor(async () => (await messages.get(messageId))?.status === 'delivered', { what: 'message delivered' });
    expect(
      (await queues.queue(shard).getJobs(['waiting', 'active', 'completed', 'failed'])).filter((job) => job.name === 'message.send'),
      'no job on the way',
    ).to.deep.equal([]);

    // A session this worker does not run (its ownership moved on): the wake-up goes on as a job.
    const elsewhere = { name: 'message.send', shard: shardOf(9, 8), job: { messageId: 'm-elsewhere', sessionId: 'w-elsewhere', workspaceId: 9 } } as const;
    expect(await wakes.wake(elsewhere, 'instance-1')).to.equal('direct');
    // The worker owns every shard, so it runs that job too (nothing to send: the session runs nowhere).
    const counted = async (outcome: string, name = 'message.send'): Promise<number> => {
      const line = (await (await fetch(`${url}/metrics`)).text())
        .split('\n')
        .find((entry) => entry.startsWith('fleet_jobs_total{') && entry.includes(`name="${name}"`) && entry.includes(`outcome="${outcome}"`));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    await waitFor(async () => (await counted('forwarded')) === 1 && (await counted('ok')) === 1, {
      what: 'the wake-up handed on as a job, and the job run',
      timeoutMs: 15_000,
    });
    expect(await counted('direct'), 'the first wake-up').to.equal(1);
    expect(await counted('direct', 'session.start'), 'the start').to.equal(1);
  });

  it('logs a session out, removes its state directory and its record', async () => {
    await worker.start();
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    const shard = shardOf(3, 8);
    await sessions.create({ sessionId: 'bye', workspaceId: 3, accountId: '1', shard });
    // Queued as by an older ingress, without the workspace: routed from the session record.
    await queues.add(shard, 'session.start', { sessionId: 'bye' } as SessionJob, jobId('start', 'bye'));
    await waitFor(async () => (await sessions.get('bye'))?.status === 'connected', { what: 'connected' });
    await sessions.update('bye', { desired: 'deleted', status: 'deleting' });
    await queues.add(shard, 'session.logout', { sessionId: 'bye', workspaceId: 3 }, jobId('logout', 'bye'));
    await waitFor(async () => (await sessions.get('bye')) === undefined, { what: 'record removed' });
    expect(await sessions.idsInShard(shard)).to.deep.equal([]);
    expect(connector.openCount).to.equal(0);
  });

  it('never runs more than MAX_SESSIONS_PER_INSTANCE; the rest wait for capacity', async () => {
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    for (let i = 1; i <= 12; i += 1) {
      await sessions.create({ sessionId: `cap-${i}`, workspaceId: i, accountId: '1', shard: shardOf(i, 8) });
      await queues.add(shardOf(i, 8), 'session.start', { sessionId: `cap-${i}`, workspaceId: i }, jobId('start', `cap-${i}`));
    }
    const { url } = await worker.start();
    await waitFor(async () => connector.started.length === 10, { what: '10 sessions started' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(connector.started).to.have.length(10);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(
      metrics,
      metrics
        .split('\n')
        .filter((l) => l.includes('waiting_for'))
        .join('\n'),
    ).to.match(/fleet_sessions_waiting_for_capacity\{[^}]*\} 2/);
  });

  it('starts sessions whose desired state is running when it takes over their shard', async () => {
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    for (const ws of [1, 2, 3, 4, 5]) {
      await sessions.create({ sessionId: `pre-${ws}`, workspaceId: ws, accountId: '1', shard: shardOf(ws, 8) });
    }
    await worker.start();
    await waitFor(async () => (await sessions.getMany(['pre-1', 'pre-2', 'pre-3', 'pre-4', 'pre-5'])).every((s) => s.status === 'connected'), {
      what: 'all pre-existing sessions connected',
    });
    expect(connector.started).to.have.length(5);
  });
});

describe('worker: nothing stuck (in-process, real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let storage: string;
  const workers: FleetWorker[] = [];

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('stuck');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-worker-'));
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  it('retries a start that failed for a passing reason (an I/O error) instead of marking the session failed for good', async () => {
    const inner = new InstantConnector({ instanceId: 'instance-1' });
    let failures = 2;
    const flaky: SessionConnector = {
      start: async (spec, handlers) => {
        if (failures > 0) {
          failures -= 1;
          throw Object.assign(new Error('EIO: i/o error, open creds.json'), { code: 'EIO' });
        }
        return inner.start(spec, handlers);
      },
      close: () => inner.close(),
    };
    const worker = createWorker(testConfig(prefix, storage), { connector: flaky, logger: testLogger() });
    workers.push(worker);
    await worker.start();
    const sessions = new SessionStore(redis, createKeys(prefix));
    await sessions.create({ sessionId: 'flaky', workspaceId: 4, accountId: '1', shard: shardOf(4, 8) });
    const queues = new ShardQueues(redis, createKeys(prefix));
    await queues.add(shardOf(4, 8), 'session.start', { sessionId: 'flaky', workspaceId: 4 }, jobId('start', 'flaky'));
    await queues.close();
    await waitFor(async () => (await sessions.get('flaky'))?.status === 'disconnected', { what: 'disconnected after the first failure' });
    expect((await sessions.get('flaky'))?.lastError).to.include('EIO');
    await waitFor(async () => (await sessions.get('flaky'))?.status === 'connected', { what: 'connected after retries', timeoutMs: 15_000 });
    expect(failures).to.equal(0);
  });

  it('a lease held by a live worker that does not run the session (a lost release) is let go, and the session starts', async () => {
    const [one, two] = ['instance-1', 'instance-2'].map((id) =>
      createWorker(testConfig(prefix, storage, id), { connector: new InstantConnector({ instanceId: id }), logger: testLogger() }),
    );
    workers.push(one!, two!);
    await one!.start();
    await two!.start();
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    // A workspace whose shard instance-1 owns; instance-2 holds the lease without running the session.
    await waitFor(async () => one!.cluster.snapshot.placement.owners.filter((owner) => owner === 'instance-1').length === 4, { what: 'shards split' });
    const workspace = [1, 2, 3, 4, 5, 6, 7, 8, 9].find((ws) => one!.cluster.snapshot.placement.owners[shardOf(ws, 8)] === 'instance-1')!;
    const incarnation = await redis.hget(keys.worker('instance-2'), 'incarnation');
    await redis.hset(keys.lease('held'), 'owner', 'instance-2', 'incarnation', incarnation!, 'epoch', '1', 'taken_at', String(Date.now()));
    await sessions.create({ sessionId: 'held', workspaceId: workspace, accountId: '1', shard: shardOf(workspace, 8) });
    const queues = new ShardQueues(redis, keys);
    await queues.add(shardOf(workspace, 8), 'session.start', { sessionId: 'held', workspaceId: workspace }, jobId('start', 'held'));
    await queues.close();
    await waitFor(async () => (await sessions.get('held'))?.status === 'connected', { what: 'started by its owner', timeoutMs: 15_000 });
    expect((await sessions.get('held'))?.owner).to.equal('instance-1');
  });
});
