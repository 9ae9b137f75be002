import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { EventLog, WebhookStore } from '@fleet/events';
import { createKeys } from '@fleet/keys';
import { cleanPrefix, freshPrefix, startProcess, testRedis, TEST_REDIS_URL, waitFor, type ServiceProcess } from '@fleet/testing';
import { TestReceiver } from './fixtures/receiver';

const SECRET = 'restart-secret-0123456789';
const BIN = path.resolve(__dirname, '../src/bin.js');

describe('dispatcher process: kill -9 mid-stream and restart (real processes)', function () {
  this.timeout(90_000);
  let redis: Redis;
  let prefix: string;
  let receiver: TestReceiver;
  const processes: ServiceProcess[] = [];

  const spawnDispatcher = async (name: string): Promise<ServiceProcess> => {
    const child = startProcess(BIN, {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      DISPATCHER_ID: name,
      DISPATCHER_PORT: '0',
      DISPATCHER_HOST: '127.0.0.1',
      DISPATCHER_POLL_MS: '50',
      DISPATCHER_RETRY_BASE_MS: '50',
      DISPATCHER_TIMEOUT_MS: '1000',
      DISPATCHER_CONCURRENCY: '4',
      LARAVEL_API_URL: `http://127.0.0.1:${receiver.port}`,
      DISPATCHER_WEBHOOK_PATH: '/hook',
      DISPATCHER_WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW: '127.0.0.1',
    });
    processes.push(child);
    await child.waitForLine(/dispatcher ready on/);
    return child;
  };

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('dspr');
    receiver = new TestReceiver(SECRET);
    await receiver.start();
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((child) => child.stop('SIGKILL')));
    await receiver.stop();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('loses nothing and keeps each workspace in order across a crash, with two dispatchers sharing the work', async () => {
    const keys = createKeys(prefix);
    const log = new EventLog(redis, keys);
    const workspaces = [1, 2, 3, 4];
    const perWorkspace = 60;
    // A slowish receiver, so the crash lands while deliveries are in flight.
    receiver.behaviour = () => {
      const until = Date.now() + 3;
      while (Date.now() < until);
      return 200;
    };
    const first = await spawnDispatcher('d1');
    for (let i = 0; i < perWorkspace; i += 1) {
      await Promise.all(workspaces.map((ws) => log.append(ws, 'message.delivered', { message_id: `m${i}`, session_id: `s${ws}`, status: 'delivered' })));
    }
    await waitFor(() => receiver.accepted().length >= 40, { what: 'some deliveries', timeoutMs: 20_000 });
    await first.stop('SIGKILL');
    const atCrash = receiver.accepted().length;
    expect(atCrash).to.be.lessThan(workspaces.length * perWorkspace);
    // Locks of the killed process expire (timeout + 10 s); two fresh dispatchers then share the rest.
    await spawnDispatcher('d2');
    await spawnDispatcher('d3');
    await waitFor(() => receiver.accepted().length === workspaces.length * perWorkspace, { what: 'every event', timeoutMs: 45_000 });
    for (const ws of workspaces) {
      const sequences = receiver.accepted(ws).map((event) => event.sequence);
      expect(sequences).to.deep.equal(Array.from({ length: perWorkspace }, (_, i) => i + 1));
    }
    // A dispatcher moves a workspace's cursor after the receiver's 200 has come back: it may trail the
    // receiver's count by a moment.
    const cursorsAt60 = async (): Promise<boolean> => Object.values(await redis.hgetall(keys.eventCursors)).filter((cursor) => cursor === '60').length === 4;
    await waitFor(cursorsAt60, { what: 'every cursor at 60', timeoutMs: 5_000 });
    expect(await redis.hgetall(keys.eventCursors)).to.deep.equal({ 1: '60', 2: '60', 3: '60', 4: '60' });
    // A webhook override wins over LARAVEL_API_URL from then on.
    const other = new TestReceiver(SECRET);
    await other.start();
    try {
      await new WebhookStore(redis, keys).set(2, { url: other.url, secret: SECRET, events: [] });
      await log.append(2, 'session.logged_out', { session_id: 's2', account_id: '1' });
      await waitFor(() => other.accepted(2).length === 1, { what: 'override delivery' });
      expect(other.accepted(2)[0]!.sequence).to.equal(61);
    } finally {
      await other.stop();
    }
  });
});
