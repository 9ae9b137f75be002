import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { EventLog, WebhookStore, type FleetEvent } from '@fleet/events';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { createDispatcher, deliveryHeaders, dispatcherConfig, type Dispatcher } from '../src';
import { assertPhpInstalled, startPhpReceiver, type PhpServer } from './fixtures/php';
import { freePort } from './fixtures/receiver';

const SECRET = 'laravel-secret-0123456789';

/** What the PHP controller handled (its listener's log), in order. */
async function handled(dir: string): Promise<FleetEvent[]> {
  const text = await readFile(path.join(dir, 'received.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { event: FleetEvent }).event);
}

describe('Laravel webhook controller (PHP) behind a real dispatcher', function () {
  this.timeout(120_000);
  let redis: Redis;
  let prefix: string;
  let keys: Keys;
  let dir: string;
  let php: PhpServer | undefined;
  let dispatcher: Dispatcher | undefined;

  before(() => assertPhpInstalled());

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('lrv');
    keys = createKeys(prefix);
    dir = await mkdtemp(path.join(tmpdir(), 'fleet-laravel-'));
    await writeFile(path.join(dir, 'mode'), 'ok');
  });

  afterEach(async () => {
    await dispatcher?.close();
    dispatcher = undefined;
    await php?.stop();
    php = undefined;
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('receiver down, then 500s at random, then healthy: every event handled once, in order per workspace', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const webhooks = new WebhookStore(redis, keys);
    const workspaces = [11, 12, 13];
    for (const ws of workspaces) await webhooks.set(ws, { url, secret: SECRET, events: [] });
    const config = dispatcherConfig(
      { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' },
      {
        host: '127.0.0.1',
        port: 0,
        pollMs: 50,
        retryBaseMs: 100,
        retryMaxDelayMs: 400,
        timeoutMs: 5_000,
        webhookAllow: ['127.0.0.1'],
      },
    );
    dispatcher = createDispatcher(config, { logger: createSilentLogger() });
    await dispatcher.start();
    const log = new EventLog(redis, keys);
    const append = async (round: number): Promise<void> => {
      for (const ws of workspaces) await log.append(ws, 'message.read', { message_id: `m${round}`, session_id: `s${ws}`, status: 'read' });
    };
    // Phase 1: nobody listens (connection refused).
    for (let i = 0; i < 5; i += 1) await append(i);
    await waitFor(async () => (await redis.hlen(keys.eventRetry(11))) > 0, { what: 'failed attempts while down' });
    // Phase 2: up, but 40 % of requests fail before the controller and 20 % lose the answer after handling.
    await writeFile(path.join(dir, 'mode'), 'flaky 0.4 0.2');
    php = await startPhpReceiver(port, { FLEET_TEST_DIR: dir, FLEET_WEBHOOK_SECRET: SECRET });
    for (let i = 5; i < 15; i += 1) await append(i);
    await waitFor(async () => (await handled(dir)).length >= 15, { what: 'some events handled', timeoutMs: 60_000 });
    // Phase 3: healthy.
    await writeFile(path.join(dir, 'mode'), 'ok');
    for (let i = 15; i < 20; i += 1) await append(i);
    await waitFor(
      async () => {
        const cursors = await redis.hgetall(keys.eventCursors);
        return workspaces.every((ws) => cursors[ws] === '20');
      },
      { what: 'every event delivered', timeoutMs: 60_000 },
    );

    const events = await handled(dir);
    expect(events).to.have.length(60);
    expect(new Set(events.map((event) => event.id)).size).to.equal(60);
    for (const ws of workspaces) {
      expect(events.filter((event) => event.workspace_id === ws).map((event) => event.sequence)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    }
    const answers = await readFile(path.join(dir, 'answers.log'), 'utf8');
    // Lost answers made Fleet redeliver events the controller had handled: acknowledged, not handled again.
    expect(answers).to.match(/^200 \{"status":"duplicate"/m);
  });

  it('rejects forged, stale and replayed deliveries; acknowledges a re-signed redelivery without handling it twice', async () => {
    const port = await freePort();
    php = await startPhpReceiver(port, { FLEET_TEST_DIR: dir, FLEET_WEBHOOK_SECRET: SECRET });
    const event: FleetEvent = {
      id: 'evt_0123456789abcdef01234567',
      type: 'message.delivered',
      workspace_id: 5,
      sequence: 7,
      occurred_at: Date.now(),
      data: { message_id: '3EB0A1B2C3D4E5F6A7B8C9D0', session_id: 's5', status: 'delivered' },
    };
    const body = JSON.stringify(event);
    const target = { url: php.url, secret: SECRET, events: [], source: 'workspace' as const };
    const post = async (headers: Record<string, string>, payload = body): Promise<{ status: number; body: string }> => {
      const response = await fetch(php!.url, { method: 'POST', headers, body: payload });
      return { status: response.status, body: await response.text() };
    };
    const valid = deliveryHeaders(target, event, body, 1, false);

    const tampered = await post(valid, body.replace('"sequence":7', '"sequence":8'));
    expect(tampered.status).to.equal(401);
    expect(tampered.body).to.contain('bad_signature');
    const wrongKey = await post(deliveryHeaders({ ...target, secret: 'not-the-secret-0123456789' }, event, body, 1, false));
    expect(wrongKey.status).to.equal(401);
    const t = Math.floor(Date.now() / 1000) - 600;
    const { createHmac } = await import('node:crypto');
    const stale = await post({ ...valid, 'X-Fleet-Signature': `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}` });
    expect(stale.status).to.equal(401);
    expect(stale.body).to.contain('stale_timestamp');
    expect(await handled(dir)).to.have.length(0);

    expect((await post(valid)).status).to.equal(200);
    const replayed = await post(valid);
    expect(replayed.status).to.equal(409);
    expect(replayed.body).to.contain('replayed');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const redelivered = await post(deliveryHeaders(target, event, body, 2, false));
    expect(redelivered.status).to.equal(200);
    expect(redelivered.body).to.contain('duplicate');
    expect((await handled(dir)).map((e) => e.id)).to.deep.equal([event.id]);
  });
});
