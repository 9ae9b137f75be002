import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { FleetEvent } from '@fleet/events';
import { createIngress, readIngressConfig, type Ingress } from '@fleet/ingress';
import { createSilentLogger } from '@fleet/logger';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { createWorker, readWorkerConfig, type FleetWorker } from '@fleet/worker';
import { createDispatcher, dispatcherConfig, type Dispatcher } from '../src';
import { assertPhpInstalled, runPhp, startPhpReceiver, type PhpServer } from './fixtures/php';
import { QuickConnector } from './fixtures/quick-connector';
import { freePort } from './fixtures/receiver';

const API_KEY = 'laravel-client-key-0123456789';
const SECRET = 'laravel-hook-secret-0123456789';

describe('Laravel FleetClient (PHP) against a running Fleet, receiving its webhooks', function () {
  this.timeout(120_000);
  let redis: Redis;
  let prefix: string;
  let dir: string;
  let storage: string;
  let ingress: Ingress | undefined;
  let worker: FleetWorker | undefined;
  let dispatcher: Dispatcher | undefined;
  let php: PhpServer | undefined;

  before(() => assertPhpInstalled());

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('lcl');
    dir = await mkdtemp(path.join(tmpdir(), 'fleet-laravel-client-'));
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-laravel-storage-'));
    await writeFile(path.join(dir, 'mode'), 'ok');
  });

  afterEach(async () => {
    await php?.stop();
    await dispatcher?.close();
    await worker?.close();
    await ingress?.close();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
    await rm(storage, { recursive: true, force: true });
  });

  it("calls every endpoint through Laravel's HTTP client and gets the session and message events in order", async () => {
    const common = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error', SHARD_COUNT: '8' };
    ingress = createIngress(readIngressConfig({ ...common, API_KEYS: API_KEY, INGRESS_HOST: '127.0.0.1', INGRESS_PORT: '0', WEBHOOK_ALLOW: '127.0.0.1' }), {
      logger: createSilentLogger(),
    });
    const { url } = await ingress.start();
    worker = createWorker(
      readWorkerConfig({
        ...common,
        INSTANCE_ID: 'instance-1',
        SESSION_STORAGE_PATH: storage,
        WORKER_HOST: '127.0.0.1',
        WORKER_PORT: '0',
        HEARTBEAT_TTL_MS: '3000',
      }),
      { connector: new QuickConnector(), logger: createSilentLogger() },
    );
    await worker.start();
    await waitFor(async () => (await ingress!.deps.cluster.refresh()).workers.length === 1, { what: 'worker visible' });
    dispatcher = createDispatcher(
      dispatcherConfig(
        { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' },
        { host: '127.0.0.1', port: 0, pollMs: 50, webhookAllow: ['127.0.0.1'] },
      ),
      { logger: createSilentLogger() },
    );
    await dispatcher.start();
    const port = await freePort();
    php = await startPhpReceiver(port, { FLEET_TEST_DIR: dir, FLEET_WEBHOOK_SECRET: SECRET });

    const out = JSON.parse(await runPhp('client-driver.php', [url, API_KEY, '42', 'laravel-1', php.url, SECRET]));

    expect(out.health.status).to.equal('healthy');
    expect(out.webhook_before).to.equal(null);
    expect(out.get_webhook).to.deep.include({ workspace_id: 42, url: php.url, events: ['session.*', 'message.*'], secret_set: true });
    expect(JSON.stringify(out.get_webhook)).to.not.contain(SECRET);
    expect(out.bad_webhook).to.deep.equal({ status: 400, code: 'VALIDATION_FAILED' });
    expect(out.create).to.include({ session_id: 'laravel-1', workspace_id: 42, account_id: '17' });
    expect(out.status.status).to.equal('connected');
    expect(out.qr_error).to.deep.equal({ status: 404, code: 'QR_NOT_AVAILABLE' });
    expect(out.send.status).to.equal('queued');
    expect(out.send_again).to.include({ message_id: out.send.message_id, duplicate: true });
    expect(out.message.status).to.equal('delivered');
    expect(out.instances.totals.instances).to.equal(1);
    expect(out.caught_up.map((e: FleetEvent) => e.type)).to.deep.equal(['session.qr', 'session.connected', 'message.sent', 'message.delivered']);
    expect(out.events_page.events.map((e: FleetEvent) => e.sequence)).to.deep.equal([2]);
    expect(out.dead_letters).to.deep.equal({ workspace_id: 42, total: 0, replaying: 0, dead_letters: [] });
    expect(out.replay).to.deep.equal({ workspace_id: 42, replayed: 0 });
    expect(out.not_found).to.deep.equal({ status: 404, code: 'SESSION_NOT_FOUND' });
    expect(out.invalid_id).to.deep.equal({ status: 400, code: 'INVALID_ID' });
    expect(out.unauthorized).to.deep.equal({ status: 401, code: 'UNAUTHORIZED' });
    expect(out.stop.session_id).to.equal('laravel-1');
    expect(out.start.session_id).to.equal('laravel-1');
    expect(out.delete.status).to.equal('deleting');

    // The PHP controller received the same events, verified, in sequence order, each once.
    await waitFor(async () => (await handled(dir)).length >= 4, { what: 'webhooks at the PHP receiver' });
    const events = await handled(dir);
    expect(events.map((e) => e.sequence)).to.deep.equal(events.map((_, i) => i + 1));
    expect(events.slice(0, 4).map((e) => e.type)).to.deep.equal(['session.qr', 'session.connected', 'message.sent', 'message.delivered']);
    expect(events[1]!.data).to.deep.equal({ session_id: 'laravel-1', account_id: '17', phone: '15550001111' });
    expect(events[3]!.data).to.deep.equal({ message_id: out.send.message_id, session_id: 'laravel-1', status: 'delivered' });
    // And as typed events, to the listeners of their classes.
    const typed = (await readFile(path.join(dir, 'typed.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { class: string; event: any });
    expect(typed.slice(0, 4).map((line) => [line.class, line.event.eventType, line.event.sequence])).to.deep.equal([
      ['SessionChanged', 'session.qr', 1],
      ['SessionChanged', 'session.connected', 2],
      ['MessageStatusChanged', 'message.sent', 3],
      ['MessageStatusChanged', 'message.delivered', 4],
    ]);
    expect(typed[1]!.event).to.include({ sessionId: 'laravel-1', accountId: '17', workspaceId: 42, id: events[1]!.id });
    expect(typed[3]!.event).to.include({ sessionId: 'laravel-1', messageId: out.send.message_id, status: 'delivered', reason: null });
  });
});

async function handled(dir: string): Promise<FleetEvent[]> {
  const text = await readFile(path.join(dir, 'received.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { event: FleetEvent }).event);
}
