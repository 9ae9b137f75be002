import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { createKeys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, startProcess, testRedis, TEST_REDIS_URL, waitFor, type ServiceProcess } from '@fleet/testing';

const INGRESS_BIN = path.join(path.dirname(require.resolve('@fleet/ingress')), 'bin.js');
const WORKER_BIN = path.join(__dirname, 'fixtures', 'worker-process.js');
const API_KEY = 'cluster-test-key-0123456789';

describe('cluster: ingress and two workers as real processes', function () {
  this.timeout(90_000);
  let redis: Redis;
  let prefix: string;
  let dir: string;
  let ingressUrl: string;
  const processes: ServiceProcess[] = [];

  const api = async (method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${ingressUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

  before(async () => {
    redis = testRedis();
    prefix = freshPrefix('cl');
    dir = await mkdtemp(path.join(tmpdir(), 'fleet-cluster-'));
    const common = {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: process.env.CLUSTER_TEST_LOG_LEVEL ?? 'warn',
      SHARD_COUNT: '128',
      HEARTBEAT_TTL_MS: '3000',
    };
    const ingress = startProcess(INGRESS_BIN, { ...common, API_KEYS: API_KEY, INGRESS_HOST: '127.0.0.1', INGRESS_PORT: '0' });
    processes.push(ingress);
    ingressUrl = (await ingress.waitForLine(/http:\/\/127\.0\.0\.1:\d+/)).trim();
    for (const id of ['instance-1', 'instance-2']) {
      const worker = startProcess(WORKER_BIN, {
        ...common,
        INSTANCE_ID: id,
        SESSION_STORAGE_PATH: path.join(dir, 'sessions'),
        WORKER_HOST: '127.0.0.1',
        WORKER_PORT: '0',
        FLEET_TEST_LOG: path.join(dir, 'events.jsonl'),
      });
      processes.push(worker);
      await worker.waitForLine(new RegExp(`worker ${id} ready`));
    }
    await waitFor(
      async () => {
        const { body } = await api('GET', '/api/instances');
        if (body.instances.length !== 2 || !body.instances.every((i: { shards: number }) => i.shards > 0)) return false;
        // Each worker has applied the table itself: together they consume every shard exactly once.
        const owned = await Promise.all(
          body.instances.map(async (i: { url: string }) => {
            const metrics = await (await fetch(`${i.url}/metrics`)).text();
            return Number(/^fleet_owned_shards\{[^}]*\} (\d+)$/m.exec(metrics)?.[1] ?? -1);
          }),
        );
        return owned.reduce((sum, n) => sum + n, 0) === 128 && owned.every((n) => n > 0);
      },
      { what: 'both workers to own shards', timeoutMs: 15_000 },
    );
  });

  after(async () => {
    if (process.env.CLUSTER_TEST_DUMP) for (const child of processes) process.stderr.write(child.output());
    await Promise.all(processes.map((child) => child.stop()));
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('spreads the sessions of workspaces 1-4 over both workers and each connects on its owner', async () => {
    const owners = new Set<string>();
    for (const ws of [1, 2, 3, 4]) {
      const res = await api('POST', '/api/sessions/create', { session_id: `ws${ws}-a`, workspace_id: ws, account_id: String(ws) });
      expect(res.status).to.equal(202);
      owners.add(res.body.instance);
    }
    expect([...owners].sort()).to.deep.equal(['instance-1', 'instance-2']);
    for (const ws of [1, 2, 3, 4]) {
      const status = await waitFor(
        async () => {
          const { body } = await api('GET', `/api/sessions/ws${ws}-a/status`);
          return body.status === 'connected' ? body : undefined;
        },
        { what: `session ws${ws}-a connected` },
      );
      const again = await api('POST', '/api/sessions/create', { session_id: `ws${ws}-b`, workspace_id: ws, account_id: String(ws) });
      expect(again.body.instance, 'same workspace, same worker').to.equal(status.instance);
    }
  });

  it('accepts 50 concurrent creations and each start reaches its owner exactly once, straight on its channel or as a job', async () => {
    const wakes = async (): Promise<Record<'direct' | 'queued', number>> => {
      const metrics = await (await fetch(`${ingressUrl}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).text();
      const count = (path: string): number =>
        Number(new RegExp(`^fleet_ingress_wakes_total\\{name="session.start",path="${path}"[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
      return { direct: count('direct'), queued: count('queued') };
    };
    const wakesBefore = await wakes();
    const ids = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
    const replies = await Promise.all(ids.map((id, i) => api('POST', '/api/sessions/create', { session_id: id, workspace_id: 100 + i, account_id: '1' })));
    expect(replies.map((r) => r.status)).to.deep.equal(ids.map(() => 202));
    const expectedOwner = new Map(replies.map((r) => [r.body.session_id as string, r.body.instance as string]));
    await waitFor(
      async () => {
        const statuses = await Promise.all(ids.map((id) => api('GET', `/api/sessions/${id}/status`)));
        return statuses.every((s) => s.body.status === 'connected');
      },
      { what: '50 sessions connected', timeoutMs: 30_000 },
    );

    const events = (await readFile(path.join(dir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    for (const id of ids) {
      const starts = events.filter((e) => e.event === 'start' && e.sessionId === id);
      expect(starts, `starts of ${id}`).to.have.length(1);
      expect(starts[0].instance).to.equal(expectedOwner.get(id));
    }
    // Each start went one way: straight to its owner (counted by the ingress) or as a job its owner ran.
    const keys = createKeys(prefix);
    let queued = 0;
    for (const reply of replies) {
      const queue = new Queue(keys.shardQueue(reply.body.shard), { connection: redis, prefix: keys.bullPrefix });
      const jobs = (await queue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed'])).filter((job) => job.data.sessionId === reply.body.session_id);
      expect(jobs.length, `jobs of ${reply.body.session_id}`).to.be.at.most(1);
      for (const job of jobs) expect(job.processedBy).to.equal(expectedOwner.get(reply.body.session_id));
      queued += jobs.length;
      await queue.close();
    }
    const after = await wakes();
    const sent = { direct: after.direct - wakesBefore.direct, queued: after.queued - wakesBefore.queued };
    expect(sent).to.deep.equal({ direct: 50 - queued, queued });
    expect(sent.direct, 'both workers listen on their channels').to.be.greaterThan(0);
  });

  it('delivers a message sent through the ingress', async () => {
    const sent = await api('POST', '/api/messages/send', { session_id: 'ws1-a', to: '+15551234567', text: 'hello fleet' });
    expect(sent.status).to.equal(202);
    const final = await waitFor(
      async () => {
        const { body } = await api('GET', `/api/messages/${sent.body.message_id}`);
        return body.status === 'delivered' ? body : undefined;
      },
      { what: 'message delivered' },
    );
    expect(final.sent_at).to.be.a('number');
  });
});
