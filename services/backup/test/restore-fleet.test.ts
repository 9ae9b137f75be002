import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { restoreSnapshot, SessionControl, takeSnapshot, type RestoreProgress } from '@fleet/backups';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { jobId, RestoreLockStore, SessionStore, ShardQueues, type SessionRecord } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { createWorker, readStoredCredsSync, workerConfig, type FleetWorker } from '@fleet/worker';
import { FencedConnector } from './fixtures/fenced-connector';
import { SNAPSHOT_TUNING, startS3, tempDir, type TestS3 } from './helpers';

const SESSIONS = [
  { id: 'a1', workspaceId: 1 },
  { id: 'a2', workspaceId: 1 },
  { id: 'g1', workspaceId: 2 },
] as const;

describe('backup: restore with a live worker (in-process worker, real Redis, S3-compatible server, files)', function () {
  this.timeout(90_000);
  let s3: TestS3;
  let root: string;
  let redis: Redis;
  let prefix: string;
  let keys: Keys;
  let sessions: SessionStore;
  let queues: ShardQueues;
  let connector: FencedConnector;
  let worker: FleetWorker;
  let control: SessionControl;

  beforeEach(async () => {
    s3 = await startS3();
    root = await tempDir('storage');
    redis = testRedis();
    prefix = freshPrefix('bkfleet');
    keys = createKeys(prefix);
    sessions = new SessionStore(redis, keys);
    queues = new ShardQueues(redis, keys);
    connector = new FencedConnector();
    const config = workerConfig(
      { common: { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' }, instanceId: 'instance-1', storagePath: root },
      {
        maxSessions: 10,
        host: '127.0.0.1',
        port: 0,
        shardCount: 8,
        heartbeatTtlMs: 5_000,
        shardConcurrency: 4,
        authStateIoThreads: 1,
        credsPoolSize: 0,
        keyCacheMb: 8,
      },
    );
    worker = createWorker(config, { connector, logger: createSilentLogger() });
    await worker.start();
    control = new SessionControl({ redis, keys, pollMs: 50 });
    for (const { id, workspaceId } of SESSIONS) {
      const shard = worker.cluster.route(workspaceId).shard;
      await sessions.create({ sessionId: id, workspaceId, accountId: '1', shard });
      await queues.add(shard, 'session.start', { sessionId: id, workspaceId }, jobId('start', id, Date.now()));
    }
    await allConnected();
  });

  afterEach(async () => {
    for (const dir of readdirSync(root).filter((name) => name.startsWith('.restore-'))) {
      for (const ws of readdirSync(path.join(root, dir)).filter((name) => name.startsWith('workspace_'))) {
        try {
          execFileSync('chattr', ['-a', path.join(root, dir, ws)]);
        } catch {
          // gone
        }
      }
    }
    await control.close();
    await worker.close();
    await connector.close();
    await queues.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await s3.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  async function records(): Promise<SessionRecord[]> {
    return Promise.all(SESSIONS.map(async ({ id }) => (await sessions.get(id))!));
  }

  async function allConnected(since = new Map<string, number>()): Promise<SessionRecord[]> {
    const settled = await waitFor(
      async () => {
        const now = await records();
        return now.every((r) => r.desired === 'running' && r.status === 'connected' && r.epoch > (since.get(r.sessionId) ?? 0)) ? now : undefined;
      },
      { timeoutMs: 20_000, what: 'every session running and connected' },
    );
    return settled!;
  }

  /** The digest of the credentials a run of the session reads (its journal's last, else creds.json). */
  const creds = async (workspaceId: number, id: string): Promise<string> => {
    const text = readStoredCredsSync(path.join(root, `workspace_${workspaceId}`, id));
    if (text === undefined) throw new Error(`no credentials stored for ${id}`);
    return createHash('sha256').update(text).digest('hex');
  };

  it('holds every restored session against starts until its directory is in place, then runs it above the restored fence', async () => {
    const manifest = await takeSnapshot({ storagePath: root, store: s3.store, ...SNAPSHOT_TUNING });
    const before = new Map((await records()).map((r) => [r.sessionId, r.epoch]));
    const locks = new RestoreLockStore(redis, keys);
    const checks: Array<{ phase: string; locked: Promise<boolean> }> = [];
    const onProgress = (p: RestoreProgress): void => {
      // Sent at once, so Redis answers it before anything the restore does after this report.
      if (p.phase !== 'start') checks.push({ phase: p.phase, locked: locks.isLocked('a1') });
    };
    const report = await restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, control, waitMs: 20_000, onProgress });

    assert.deepEqual(
      report.sessions.map((s) => s.outcome),
      ['connected', 'connected', 'connected'],
    );
    assert.deepEqual([...new Set(checks.map((c) => c.phase))].sort(), ['download', 'stop', 'swap']);
    for (const check of checks) assert.equal(await check.locked, true, `a1 was not locked during the ${check.phase} phase`);
    assert.equal(await locks.isLocked('a1'), false, 'the lock outlived the restore');
    const after = await allConnected(before);
    for (const r of after) {
      const fence = Number.parseInt(await fs.readFile(path.join(root, `workspace_${r.workspaceId}`, r.sessionId, '.epoch'), 'utf8'), 10);
      assert.equal(connector.lastEpoch(r.sessionId), r.epoch);
      assert.ok(
        fence === r.epoch && r.epoch > before.get(r.sessionId)! + 1,
        `${r.sessionId}: run ${r.epoch}, fence ${fence}, before ${before.get(r.sessionId)}`,
      );
    }
  });

  it('a swap that fails part-way puts the old directories back and runs the stopped sessions again', async () => {
    const manifest = await takeSnapshot({ storagePath: root, store: s3.store, ...SNAPSHOT_TUNING });
    const before = new Map((await records()).map((r) => [r.sessionId, r.epoch]));
    const oldCreds = await Promise.all(SESSIONS.map(({ id, workspaceId }) => creds(workspaceId, id)));
    let armed = false;
    const onProgress = (p: RestoreProgress): void => {
      if (armed || p.phase !== 'download') return;
      armed = true;
      const staging = readdirSync(root).find((name) => name.startsWith('.restore-'))!;
      execFileSync('chattr', ['+a', path.join(root, staging, 'workspace_2')]);
    };
    await assert.rejects(
      restoreSnapshot({ store: s3.store, snapshotId: manifest.id, storagePath: root, control, waitMs: 20_000, onProgress }),
      (error: Error & { code?: string }) => error.code === 'RESTORE_SWAP_FAILED',
    );
    assert.ok(armed);
    await allConnected(before);
    assert.deepEqual(await Promise.all(SESSIONS.map(({ id, workspaceId }) => creds(workspaceId, id))), oldCreds);
    assert.equal(await new RestoreLockStore(redis, keys).isLocked('g1'), false);
  });
});
