import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Membership } from '@fleet/cluster';
import { createKeys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { createRedis } from '@fleet/redis';
import { MessageLedger } from '@fleet/messages';
import { LeaseStore, SessionStore } from '@fleet/state';
import { freshPrefix, startSentinelRedis, waitFor, type SentinelRedis } from '@fleet/testing';
import { createWorkerMetrics, SessionManager } from '../src';
import { StaleEpochError } from '../src/auth-state';
import { FileStateConnector } from './fixtures/file-state-connector';

/**
 * The epoch a take hands out is an increment in Redis. Replication is asynchronous, so a failover
 * can lose the last increments, and the promoted replica hands the same number out again: two runs
 * of one session under one epoch would pass every fence. The test loses such an increment for real
 * (replica cut off, master killed, Sentinel promotes the replica) and checks that the second run
 * ends above the first, which is then fenced on disk and in Redis.
 */
describe('worker: fencing across a Sentinel failover that lost an epoch (real redis-server, redis-sentinel, files)', function () {
  this.timeout(120_000);
  let setup: SentinelRedis;
  let storage: string;
  const clients: Redis[] = [];
  const connectors: FileStateConnector[] = [];

  before(async () => {
    setup = await startSentinelRedis();
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-failover-'));
  });

  after(async () => {
    await Promise.all(connectors.map((connector) => connector.close()));
    for (const client of clients) client.disconnect();
    await setup?.close();
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  function client(url: string): Redis {
    const redis = url.startsWith('redis-sentinel:') ? createRedis(url, { maxRetriesPerRequest: null }) : new Redis(url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  }

  /** A worker's session manager over its own Sentinel-resolved connection and a real fenced auth state. */
  async function workerNamed(instanceId: string, keys: ReturnType<typeof createKeys>) {
    const redis = client(setup.url);
    const sessions = new SessionStore(redis, keys);
    const holder = await new Membership({ redis, keys, heartbeatTtlMs: 120_000 }).register({ instanceId, url: 'http://127.0.0.1:1', maxSessions: 10 });
    const connector = new FileStateConnector();
    connectors.push(connector);
    const manager = new SessionManager({
      instanceId,
      storagePath: storage,
      connector,
      sessions,
      ledger: new MessageLedger(redis, keys),
      leases: new LeaseStore(redis, keys),
      holder: () => holder,
      logger: createSilentLogger(),
      metrics: createWorkerMetrics(instanceId),
    });
    return { redis, sessions, manager, connector };
  }

  it('a run under an epoch the promoted replica hands out again is fenced: the new run takes a higher one', async () => {
    const keys = createKeys(freshPrefix('failover'));
    const a = await workerNamed('worker-a', keys);
    const b = await workerNamed('worker-b', keys);
    await a.sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await a.manager.start('s1')).to.equal('started');
    await waitFor(async () => (await a.sessions.get('s1'))?.status === 'connected', { what: 'the first run to connect' });
    await a.manager.stop('s1');
    expect(await a.redis.call('WAIT', '1', '5000'), 'the replica has everything so far').to.equal(1);
    await setup.replicaKnown();

    // Cut the replica off (paused, so it cannot reconnect), then start the session again on the master alone.
    const master = client(`redis://127.0.0.1:${setup.ports.master}`);
    setup.replica.kill('SIGSTOP');
    await master.call('CLIENT', 'KILL', 'TYPE', 'replica');
    expect(await a.manager.start('s1')).to.equal('started');
    await waitFor(
      async () => {
        const record = await a.sessions.get('s1');
        return record?.status === 'connected' && record.epoch === 2;
      },
      { what: 'the run under epoch 2 to settle (no write of it in flight)' },
    );
    const first = a.connector.latest('s1')!;
    expect(first.epoch).to.equal(2);

    // The master dies before the replica saw epoch 2; Sentinel promotes the replica.
    setup.master.kill('SIGKILL');
    setup.replica.kill('SIGCONT');
    await setup.promoted();
    await waitFor(async () => (await b.sessions.get('s1'))?.epoch === 1, { timeoutMs: 30_000, what: 'the promoted replica (epoch 2 lost)' });

    expect(await b.manager.start('s1')).to.equal('started');
    const second = b.connector.latest('s1')!;
    expect(second.epoch, "the second run must not share the first run's epoch").to.be.greaterThan(first.epoch);
    expect((await b.sessions.get('s1'))?.epoch).to.equal(second.epoch);
    const refused = await first.saveCreds().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused, 'the first run can still write the auth state').to.be.instanceOf(StaleEpochError);
    await second.saveCreds();
    expect(await a.sessions.update('s1', { status: 'connected' }, Date.now(), first.epoch), 'the first run can still write the record').to.equal(false);
  });
});
