import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { DeadLetterStore, EventLog, WebhookStore } from '@fleet/events';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { createDispatcher, dispatcherConfig, retryDelay, type Dispatcher, type DispatcherConfig } from '../src';
import { TestReceiver } from './fixtures/receiver';

const SECRET = 'test-secret-0123456789';

describe('dispatcher: signed, ordered webhooks with retries and dead letters (real Redis, real HTTP)', function () {
  this.timeout(60_000);
  let redis: Redis;
  let prefix: string;
  let keys: Keys;
  let log: EventLog;
  let receiver: TestReceiver;
  let dispatcher: Dispatcher | undefined;

  const start = async (overrides: Partial<DispatcherConfig> = {}): Promise<Dispatcher> => {
    const config = dispatcherConfig(
      { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' },
      {
        host: '127.0.0.1',
        port: 0,
        pollMs: 50,
        retryBaseMs: 50,
        retryMaxDelayMs: 300,
        timeoutMs: 2_000,
        noReceiverRecheckMs: 200,
        // The test receiver listens on loopback, which webhooks may reach only when allowed.
        webhookAllow: ['127.0.0.1'],
        ...overrides,
      },
    );
    dispatcher = createDispatcher(config, { logger: createSilentLogger() });
    await dispatcher.start();
    return dispatcher;
  };

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('dsp');
    keys = createKeys(prefix);
    log = new EventLog(redis, keys);
    receiver = new TestReceiver(SECRET);
    await receiver.start();
  });

  afterEach(async () => {
    await dispatcher?.close();
    dispatcher = undefined;
    await receiver.stop();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  it('signs each delivery and sends the event id, type, sequence and workspace in headers', async () => {
    await new WebhookStore(redis, keys).set(3, { url: receiver.url, secret: SECRET, events: [] });
    await start();
    const event = await log.append(3, 'session.connected', { session_id: 's1', account_id: '1', phone: '15550001111' });
    await waitFor(() => receiver.accepted().length === 1, { what: 'delivery' });
    const [delivery] = receiver.deliveries;
    expect(delivery!.event).to.deep.equal(event);
    expect(delivery!.headers).to.include({
      'x-fleet-event-id': event.id,
      'x-fleet-event-type': 'session.connected',
      'x-fleet-sequence': '1',
      'x-fleet-workspace': '3',
      'x-fleet-attempt': '1',
    });
  });

  it('keeps a failing workspace in order while others flow, and dead-letters after the attempts run out; replay redelivers', async () => {
    const webhooks = new WebhookStore(redis, keys);
    await webhooks.set(1, { url: receiver.url, secret: SECRET, events: [] });
    await webhooks.set(2, { url: receiver.url, secret: SECRET, events: [] });
    receiver.behaviour = (event) => (event.workspace_id === 1 && event.sequence <= 2 ? 500 : 200);
    await start({ maxAttempts: 3 });
    for (let i = 0; i < 4; i += 1) {
      await log.append(1, 'message.sent', { message_id: `m${i}`, session_id: 's1', status: 'sent' });
      await log.append(2, 'message.sent', { message_id: `m${i}`, session_id: 's2', status: 'sent' });
    }
    await waitFor(() => receiver.accepted(2).length === 4 && receiver.accepted(1).length === 2, { what: 'deliveries', timeoutMs: 20_000 });
    expect(receiver.accepted(1).map((e) => e.sequence)).to.deep.equal([3, 4]);
    // Sequence 3 went out only after 1 and 2 had each failed three times.
    const attemptsOf = (seq: number) => receiver.deliveries.filter((d) => d.event.workspace_id === 1 && d.event.sequence === seq);
    expect(attemptsOf(1).map((d) => d.headers['x-fleet-attempt'])).to.deep.equal(['1', '2', '3']);
    const firstOf3 = attemptsOf(3)[0]!.receivedAt;
    expect(attemptsOf(2).every((d) => d.receivedAt <= firstOf3)).to.equal(true);

    const dead = new DeadLetterStore(redis, keys);
    const listed = await dead.list(1);
    expect(listed.total).to.equal(2);
    expect(listed.items.map((item) => [item.event.sequence, item.attempts, item.last_error])).to.deep.equal([
      [1, 3, 'HTTP 500'],
      [2, 3, 'HTTP 500'],
    ]);

    receiver.behaviour = () => 200;
    expect(await dead.replay(1, [listed.items[1]!.event.id])).to.equal(1);
    await waitFor(() => receiver.accepted(1).length === 3, { what: 'replayed delivery' });
    const replayed = receiver.deliveries[receiver.deliveries.length - 1]!;
    expect(replayed.event.sequence).to.equal(2);
    expect(replayed.headers['x-fleet-replay']).to.equal('1');
    expect((await dead.list(1)).items.map((item) => item.event.sequence)).to.deep.equal([1]);
    expect(await dead.replay(1)).to.equal(1);
    await waitFor(async () => (await dead.list(1)).total === 0 && (await dead.replaying(1)) === 0, { what: 'all replayed' });
    const metrics = await dispatcher!.metrics.registry.metrics();
    expect(metrics).to.match(/fleet_webhook_dead_letters_total\{[^}]*\} 2/);
  });

  it('holds events while no receiver is configured and delivers them once a webhook is set; filters by type', async () => {
    await start();
    await log.append(9, 'session.qr', { session_id: 's9', account_id: '1', qr: '2@x', expires_at: 1 });
    await log.append(9, 'message.received', {
      session_id: 's9',
      message_id: 'w1',
      chat: '15550002222@s.whatsapp.net',
      from: '15550002222@s.whatsapp.net',
      group: null,
      type: 'text',
      text: 'hi',
      timestamp: 1,
    });
    await log.append(9, 'session.connected', { session_id: 's9', account_id: '1', phone: '15550001111' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(receiver.deliveries).to.have.length(0);
    expect(await redis.zscore(keys.eventsPending, '9')).to.not.equal(null);
    await new WebhookStore(redis, keys).set(9, { url: receiver.url, secret: SECRET, events: ['session.*'] });
    await waitFor(() => receiver.accepted(9).length === 2, { what: 'held events' });
    expect(receiver.accepted(9).map((e) => e.type)).to.deep.equal(['session.qr', 'session.connected']);
    await waitFor(async () => (await redis.zscore(keys.eventsPending, '9')) === null, { what: 'workspace parked' });
    expect(await redis.hget(keys.eventCursors, '9')).to.equal('3');
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(retryDelay(1, 1000, 60_000, () => 0)).to.equal(500);
    expect(retryDelay(1, 1000, 60_000, () => 1)).to.equal(1000);
    expect(retryDelay(4, 1000, 60_000, () => 1)).to.equal(8000);
    expect(retryDelay(30, 1000, 60_000, () => 1)).to.equal(60_000);
  });
});
