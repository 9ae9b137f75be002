import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createRedis } from '../src';

const ROOT = path.resolve(__dirname, '../../../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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
  const children: ChildProcess[] = [];
  let dir: string;
  let ports: { master: number; replica: number; sentinel: number };

  const start = (args: string[]): void => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.push(child);
  };

  before(async () => {
    // Debian's redis-sentinel package (installed here if missing; a failed install fails the test).
    execFileSync(path.join(ROOT, 'scripts/ensure-debian-package.sh'), ['redis-sentinel', 'redis-sentinel'], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'fleet-sentinel-'));
    ports = { master: await freePort(), replica: await freePort(), sentinel: await freePort() };
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    start(['--port', String(ports.master), '--dir', dir, ...common]);
    start(['--port', String(ports.replica), '--dir', dir, '--replicaof', '127.0.0.1', String(ports.master), ...common]);
    const conf = path.join(dir, 'sentinel.conf');
    writeFileSync(conf, [
      `port ${ports.sentinel}`,
      'bind 127.0.0.1',
      `sentinel monitor fleet 127.0.0.1 ${ports.master} 1`,
      'sentinel down-after-milliseconds fleet 1000',
      'sentinel failover-timeout fleet 5000',
      '',
    ].join('\n'));
    start([conf, '--sentinel']);
    const replica = new Redis(ports.replica, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 200 });
    replica.on('error', () => undefined);
    await until(async () => {
      if (replica.status !== 'ready') await replica.connect();
      return /master_link_status:up/.test(await replica.info('replication'));
    }, 'replica in sync');
    replica.disconnect();
  });

  after(async () => {
    // Let the clients BullMQ made finish quitting before their servers go away.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const child of children) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('processes jobs before and after a Sentinel failover with the same Worker', async () => {
    const url = `redis-sentinel://127.0.0.1:${ports.sentinel}/fleet`;
    const connection = createRedis(url, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    const queue = new Queue('sentinel-test', { connection, prefix: 'sentinel' });
    const workerConnection = createRedis(url, { maxRetriesPerRequest: null });
    workerConnection.on('error', () => undefined);
    const processed: string[] = [];
    const worker = new Worker('sentinel-test', async (job) => {
      processed.push(job.name);
    }, { connection: workerConnection, prefix: 'sentinel' });
    worker.on('error', () => undefined);
    try {
      await queue.add('before', {});
      await until(async () => processed.includes('before'), 'job before the failover');

      const sentinel = new Redis(ports.sentinel, '127.0.0.1');
      sentinel.on('error', () => undefined);
      try {
        // Sentinel learns about replicas from the master's INFO, every few seconds.
        await until(async () => {
          const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', 'fleet')) as string[][];
          return replicas.some((fields) => fields.includes(String(ports.replica)) && fields[fields.indexOf('flags') + 1] === 'slave');
        }, 'sentinel to discover the replica');
        await sentinel.call('SENTINEL', 'FAILOVER', 'fleet');
        await until(async () => {
          const master = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'fleet')) as string[];
          return master[1] === String(ports.replica);
        }, 'sentinel to promote the replica');
      } finally {
        sentinel.disconnect();
      }

      await until(async () => {
        await queue.add('after', {}, { jobId: 'after-failover' });
        return true;
      }, 'enqueue on the new master');
      await until(async () => processed.includes('after'), 'job after the failover');
      const promoted = new Redis(ports.replica, '127.0.0.1');
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
