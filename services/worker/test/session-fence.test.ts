import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { Membership, type WorkerInfo } from '@fleet/cluster';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { MessageLedger } from '@fleet/messages';
import { LeaseStore, RestoreLockStore, SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis } from '@fleet/testing';
import { createWorkerMetrics, FileAuthState, sessionDir, SessionManager } from '../src';
import { StaleEpochError } from '../src/auth-state';
import { FileStateConnector } from './fixtures/file-state-connector';

describe('worker: a start takes an epoch above every run the session directory has seen (real Redis, real files)', () => {
  let redis: Redis;
  let keys: Keys;
  let prefix: string;
  let storage: string;
  let sessions: SessionStore;
  let connector: FileStateConnector;
  let worker: WorkerInfo;
  let manager: SessionManager;

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('fence');
    keys = createKeys(prefix);
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-fence-'));
    sessions = new SessionStore(redis, keys);
    connector = new FileStateConnector();
    worker = await new Membership({ redis, keys }).register({ instanceId: 'i1', url: 'http://127.0.0.1:1', maxSessions: 10 });
    manager = new SessionManager({
      instanceId: 'i1',
      storagePath: storage,
      connector,
      sessions,
      ledger: new MessageLedger(redis, keys),
      leases: new LeaseStore(redis, keys),
      holder: () => worker,
      logger: createSilentLogger(),
      metrics: createWorkerMetrics('i1'),
    });
    await sessions.create({ sessionId: 's1', workspaceId: 3, accountId: '1', shard: 0 });
  });

  afterEach(async () => {
    await connector.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  const dir = (): string => sessionDir(storage, 3, 's1');
  async function writeFence(text: string): Promise<void> {
    await mkdir(dir(), { recursive: true });
    await writeFile(path.join(dir(), '.epoch'), text);
  }

  it('recovers from a fence above the Redis epoch (restored directory, lost Redis data, an old bare-number .epoch) instead of failing', async () => {
    await writeFence('57\n');
    expect(await manager.start('s1')).to.equal('started');
    const record = await sessions.get('s1');
    expect(record?.epoch).to.equal(58);
    expect(record?.status).to.not.equal('failed');
    expect((await new LeaseStore(redis, keys).get('s1'))?.epoch).to.equal(58);
    expect(connector.latest('s1')?.epoch).to.equal(58);
    expect(await readFile(path.join(dir(), '.epoch'), 'utf8')).to.equal(`58 i1 ${worker.incarnation}\n`);
  });

  it('never hands one epoch to two runs: a number already used on disk is bumped past, and the run that used it can no longer write', async () => {
    // Another worker's run opened the directory under epoch 5, but Redis (after a failover) says 4.
    const other = await FileAuthState.open({ dir: dir(), sessionId: 's1', epoch: 5, fsync: false });
    await sessions.update('s1', { epoch: 4 });
    expect(await manager.start('s1')).to.equal('started');
    expect((await sessions.get('s1'))?.epoch).to.equal(6);
    expect(connector.latest('s1')?.epoch).to.equal(6);
    expect(await readFile(path.join(dir(), '.epoch'), 'utf8')).to.equal(`6 i1 ${worker.incarnation}\n`);
    const refused = await other.saveCreds().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused, 'the older run still writes').to.be.instanceOf(StaleEpochError);
    await connector.latest('s1')!.saveCreds();
  });

  it('a start while a restore holds the session waits like a held lease: no lease, no epoch, no directory opened', async () => {
    const locks = new RestoreLockStore(redis, keys);
    await locks.lock(['s1'], 'restore-1', 30_000);
    expect(await manager.start('s1')).to.equal('held');
    expect(await new LeaseStore(redis, keys).get('s1')).to.equal(undefined);
    expect((await sessions.get('s1'))?.epoch).to.equal(0);
    expect(connector.stores).to.have.length(0);
    await locks.unlock(['s1'], 'restore-1');
    expect(await manager.start('s1')).to.equal('started');
  });
});
