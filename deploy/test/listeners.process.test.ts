import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { cleanPrefix, freshPrefix, startProcess, testRedis, TEST_REDIS_URL, type ServiceProcess } from '@fleet/testing';
import { REPO_ROOT } from './fleet-harness';
import { listenersOf } from './listeners';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

/** Resolves true when a TCP connection to host:port is accepted, false when it is refused. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve(false) : reject(error)));
  });
}

/** Each Fleet process, the variable naming its listen address, and the extra settings it needs to start. */
const SERVICES = [
  {
    name: 'ingress',
    bin: 'services/ingress/dist/src/bin.js',
    hostVar: 'INGRESS_HOST',
    portVar: 'INGRESS_PORT',
    env: { API_KEYS: 'listener-test-key-0123456789' },
  },
  {
    name: 'worker',
    bin: 'services/worker/dist/src/bin.js',
    hostVar: 'WORKER_HOST',
    portVar: 'WORKER_PORT',
    env: { INSTANCE_ID: 'listener-1', API_KEYS: 'listener-test-key-0123456789' },
  },
  { name: 'dispatcher', bin: 'services/dispatcher/dist/src/bin.js', hostVar: 'DISPATCHER_HOST', portVar: 'DISPATCHER_PORT', env: {} },
  { name: 'backup', bin: 'services/backup/dist/src/bin.js', hostVar: 'BACKUP_HOST', portVar: 'BACKUP_PORT', env: { S3_BUCKET: 'listener-backups' } },
] as const;

describe('deploy: every Fleet process listens on its configured interface only (real processes, /proc)', function () {
  this.timeout(120_000);
  let prefix: string;
  let storage: string;
  let s3: S3rverInstance;
  let s3Port: number;
  const running: ServiceProcess[] = [];

  before(async () => {
    prefix = freshPrefix('lsn');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-listeners-'));
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: storage,
      configureBuckets: [{ name: 'listener-backups' }, { name: 'fleet-media' }],
    });
    s3Port = (await s3.run()).port;
  });

  after(async () => {
    await Promise.all(running.splice(0).map((child) => child.stop('SIGKILL')));
    await s3.close();
    const redis = testRedis();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  for (const service of SERVICES) {
    it(`${service.name}: ${service.hostVar}=127.0.0.2 → its only listening socket is 127.0.0.2, nothing on 127.0.0.1 or another interface`, async () => {
      const child = startProcess(path.join(REPO_ROOT, service.bin), {
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: prefix,
        LOG_LEVEL: 'warn',
        SESSION_STORAGE_PATH: storage,
        S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
        MEDIA_SIGNING_SECRET: 'listener-test-media-secret-0123456789',
        [service.hostVar]: '127.0.0.2',
        [service.portVar]: '0',
        ...service.env,
      });
      running.push(child);
      const line = await child.waitForLine(/ready on http:\/\/[^\s/]+:\d+/, 60_000);
      const [, host, portText] = /ready on http:\/\/([^\s/]+):(\d+)/.exec(line)!;
      const port = Number(portText);
      expect(host).to.equal('127.0.0.2');
      const listeners = await listenersOf(child.child.pid!);
      expect(listeners, child.output()).to.deep.equal([{ address: '127.0.0.2', port }]);
      expect(await accepts('127.0.0.2', port)).to.equal(true);
      expect(await accepts('127.0.0.1', port)).to.equal(false);
      const health = await fetch(`http://127.0.0.2:${port}/health`);
      expect([200, 503]).to.include(health.status);
      await child.stop();
    });
  }
});
