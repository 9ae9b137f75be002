import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './wait';

/** This file runs from shared/testing/dist/src/. */
const ROOT = path.resolve(__dirname, '../../../..');

/** A real master, replica and Sentinel (redis-server processes) on free loopback ports. */
export interface SentinelRedis {
  /** `redis-sentinel://127.0.0.1:<port>/<name>`, for `createRedis` (@fleet/redis). */
  readonly url: string;
  readonly name: string;
  readonly ports: { readonly master: number; readonly replica: number; readonly sentinel: number };
  readonly master: ChildProcess;
  readonly replica: ChildProcess;
  /** Resolves once Sentinel lists the replica as a healthy replica (it learns of it from the master's INFO). */
  replicaKnown(): Promise<void>;
  /** Resolves once Sentinel names the replica as the master. */
  promoted(): Promise<void>;
  /** Kills every process and removes their files. */
  close(): Promise<void>;
}

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

/**
 * Starts a master, one replica of it and one Sentinel (quorum 1, master down after 1 s) without
 * persistence, and waits until the replica is in sync. Debian's redis-sentinel package is installed
 * when missing (a failed install fails the caller).
 */
export async function startSentinelRedis(name = 'fleet'): Promise<SentinelRedis> {
  execFileSync(path.join(ROOT, 'scripts/ensure-debian-package.sh'), ['redis-sentinel', 'redis-sentinel'], { stdio: 'inherit' });
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-sentinel-'));
  const ports = { master: await freePort(), replica: await freePort(), sentinel: await freePort() };
  const children: ChildProcess[] = [];
  const start = (args: string[]): ChildProcess => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.push(child);
    return child;
  };
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const master = start(['--port', String(ports.master), '--dir', dir, ...common]);
  const replica = start(['--port', String(ports.replica), '--dir', dir, '--replicaof', '127.0.0.1', String(ports.master), ...common]);
  const conf = path.join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${ports.sentinel}`,
      'bind 127.0.0.1',
      `sentinel monitor ${name} 127.0.0.1 ${ports.master} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      '',
    ].join('\n'),
  );
  start([conf, '--sentinel']);
  const sentinelCall = async (...args: string[]): Promise<unknown> => {
    const sentinel = new Redis(ports.sentinel, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    sentinel.on('error', () => undefined);
    try {
      await sentinel.connect();
      return await sentinel.call('SENTINEL', ...args);
    } finally {
      sentinel.disconnect();
    }
  };
  const replicaClient = new Redis(ports.replica, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 200 });
  replicaClient.on('error', () => undefined);
  try {
    await waitFor(
      async () => {
        if (replicaClient.status !== 'ready') await replicaClient.connect();
        return /master_link_status:up/.test(await replicaClient.info('replication'));
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the replica to be in sync' },
    );
  } finally {
    replicaClient.disconnect();
  }
  return {
    url: `redis-sentinel://127.0.0.1:${ports.sentinel}/${name}`,
    name,
    ports,
    master,
    replica,
    async replicaKnown() {
      await waitFor(
        async () => {
          const replicas = (await sentinelCall('REPLICAS', name)) as string[][];
          return replicas.some((fields) => fields.includes(String(ports.replica)) && fields[fields.indexOf('flags') + 1] === 'slave');
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'Sentinel to discover the replica' },
      );
    },
    async promoted() {
      await waitFor(async () => ((await sentinelCall('GET-MASTER-ADDR-BY-NAME', name)) as string[])[1] === String(ports.replica), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'Sentinel to promote the replica',
      });
    },
    async close() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
