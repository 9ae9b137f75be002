import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { Membership, PlacementStore } from '@fleet/cluster';
import { createKeys } from '@fleet/keys';
import { SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL } from '@fleet/testing';
import { runCli } from '../src';

const SHARDS = 4;

async function cli(prefix: string, argv: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (chunk: Buffer) => (outText += chunk.toString()));
  err.on('data', (chunk: Buffer) => (errText += chunk.toString()));
  const code = await runCli(argv, { env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...extraEnv }, out, err });
  return { code, out: outText, err: errText };
}

/** A stand-in worker HTTP server answering /health with the given status and session count. */
async function healthServer(status: number, total: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: status === 200 ? 'healthy' : 'unhealthy', sessions: { total, max: 10, utilization: total / 10 } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

describe('fleetctl health, verify-sessions, storage-check (real Redis)', function () {
  this.timeout(30_000);
  let redis: Redis;
  let prefix: string;
  const servers: Server[] = [];

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('ctlh');
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  async function register(instanceId: string, url: string): Promise<void> {
    const keys = createKeys(prefix);
    await redis.set(keys.shardCount, String(SHARDS), 'NX');
    await new Membership({ redis, keys }).register({ instanceId, url, maxSessions: 10 });
  }

  it('health: reports healthy, unhealthy and unreachable workers with sessions and utilization; exit 1 unless all healthy', async () => {
    const good = await healthServer(200, 4);
    const bad = await healthServer(503, 0);
    servers.push(good.server, bad.server);
    await register('instance-1', good.url);
    await register('instance-2', bad.url);
    await register('instance-3', 'http://127.0.0.1:1');
    const dir = await mkdtemp(path.join(tmpdir(), 'fleetctl-health-'));
    try {
      const output = path.join(dir, 'health.json');
      const json = await cli(prefix, ['health', '--json', '--output', output]);
      expect(json.code).to.equal(1);
      const report = JSON.parse(json.out) as {
        healthy: boolean;
        instances: Array<{ instance: string; status: string; sessions?: number; utilization?: number }>;
      };
      const byId = new Map(report.instances.map((i) => [i.instance, i]));
      expect(byId.get('instance-1')).to.include({ status: 'healthy', sessions: 4, utilization: 0.4 });
      expect(byId.get('instance-2')).to.include({ status: 'unhealthy' });
      expect(byId.get('instance-3')).to.include({ status: 'unreachable' });
      expect(JSON.parse(await readFile(output, 'utf8'))).to.deep.equal(report);
      const table = await cli(prefix, ['health']);
      expect(table.out).to.match(/instance-1\s+healthy\s+4\s+10\s+40\.0%/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('health: exit 0 when every worker is healthy', async () => {
    const good = await healthServer(200, 1);
    servers.push(good.server);
    await register('instance-1', good.url);
    expect((await cli(prefix, ['health'])).code).to.equal(0);
  });

  it('verify-sessions: lists wanted sessions that are not connected, with the reason', async () => {
    const keys = createKeys(prefix);
    await register('instance-1', 'http://127.0.0.1:1');
    await new PlacementStore(redis, keys).reconcile(['instance-1'], SHARDS);
    const sessions = new SessionStore(redis, keys);
    await sessions.create({ sessionId: 'ok-1', workspaceId: 1, accountId: '1', shard: 1 });
    await sessions.create({ sessionId: 'qr-1', workspaceId: 2, accountId: '1', shard: 2 });
    await sessions.create({ sessionId: 'orphan-1', workspaceId: 3, accountId: '1', shard: 3 });
    await sessions.update('ok-1', { status: 'connected', owner: 'instance-1' });
    await sessions.update('qr-1', { status: 'qr', owner: 'instance-1' });
    await sessions.update('orphan-1', { status: 'connected', owner: 'instance-9' });
    const result = await cli(prefix, ['verify-sessions', '--json']);
    expect(result.code, result.err).to.equal(1);
    const body = JSON.parse(result.out) as { wanted: number; connected: number; problems: Array<{ sessionId: string; reason: string }> };
    expect(body).to.include({ wanted: 3, connected: 1 });
    const reasons = new Map(body.problems.map((p) => [p.sessionId, p.reason]));
    expect(reasons.get('qr-1')).to.match(/waiting for a QR scan/);
    expect(reasons.get('orphan-1')).to.match(/instance-9 is not a live worker/);
    expect(reasons.has('ok-1')).to.equal(false);
  });

  it('storage-check: measures write, fsync, rename and read on a local path and judges them against 10 ms', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fleetctl-storage-'));
    try {
      const result = await cli(prefix, ['storage-check', '--no-workers', '--json'], { SESSION_STORAGE_PATH: dir });
      const body = JSON.parse(result.out) as {
        limit_ms: number;
        checks: Array<{ where: string; result: { ok: boolean; latencies: Array<{ operation: string; medianMs: number; overLimit: boolean }> } }>;
      };
      expect(body.limit_ms).to.equal(10);
      const local = body.checks[0]!.result;
      expect(local.latencies.map((l) => l.operation)).to.deep.equal(['write', 'fsync', 'rename', 'read']);
      for (const latency of local.latencies) expect(latency.overLimit).to.equal(latency.medianMs > 10);
      expect(result.code).to.equal(local.ok ? 0 : 1);
      expect((await cli(prefix, ['storage-check', '--no-workers'])).code).to.equal(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
