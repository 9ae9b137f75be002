import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { ConfigError } from '@fleet/errors';
import { DeadLetterStore, EventLog, WebhookStore } from '@fleet/events';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import type { ResolveAll } from '@fleet/net';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { createDispatcher, dispatcherConfig, readDispatcherConfig, type Dispatcher, type DispatcherConfig } from '../src';
import { TestReceiver } from './fixtures/receiver';

const SECRET = 'guard-secret-0123456789';

/** Names the test resolves itself (calls recorded); anything else fails as DNS would. */
function resolver(names: Record<string, string[]>, calls: string[]): ResolveAll {
  return async (host) => {
    calls.push(host);
    const addresses = names[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** An HTTP server on `host` that answers every request with `answer` and counts them. */
async function startServer(
  host: string,
  answer: (response: import('node:http').ServerResponse) => void,
): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((request, response) => {
    hits += 1;
    request.resume();
    answer(response);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, hits: () => hits };
}

function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('dispatcher: webhook destinations are checked at delivery, after DNS (real Redis, real HTTP)', function () {
  this.timeout(60_000);
  let redis: Redis;
  let prefix: string;
  let keys: Keys;
  let log: EventLog;
  let receiver: TestReceiver;
  let dispatcher: Dispatcher | undefined;

  const start = async (overrides: Partial<DispatcherConfig> = {}, resolve?: ResolveAll): Promise<Dispatcher> => {
    const config = dispatcherConfig(
      { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, logLevel: 'error' },
      {
        host: '127.0.0.1',
        port: 0,
        pollMs: 50,
        retryBaseMs: 50,
        retryMaxDelayMs: 300,
        timeoutMs: 2_000,
        ...overrides,
      },
    );
    dispatcher = createDispatcher(config, { logger: createSilentLogger(), resolve });
    await dispatcher.start();
    return dispatcher;
  };
  const deadLetters = (workspaceId: number) => new DeadLetterStore(redis, keys).list(workspaceId);
  const append = (workspaceId: number, id: string) => log.append(workspaceId, 'message.sent', { message_id: id, session_id: 's1', status: 'sent' });

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('dgd');
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

  it('refuses a loopback webhook (literal or localhost) without WEBHOOK_ALLOW: dead-lettered at once with the reason, never retried; LARAVEL_API_URL on loopback is trusted', async () => {
    const webhooks = new WebhookStore(redis, keys);
    // Stored directly, as a URL set before the guard existed (or under another WEBHOOK_ALLOW) would be.
    await webhooks.set(1, { url: receiver.url, secret: SECRET, events: [] });
    await webhooks.set(2, { url: `http://localhost:${receiver.port}/hook`, secret: SECRET, events: [] });
    // Workspace 3 has no webhook: its events go to LARAVEL_API_URL, the same receiver.
    await start({ laravelApiUrl: `http://127.0.0.1:${receiver.port}`, webhookPath: '/hook', webhookSecret: SECRET });
    for (const ws of [1, 2, 3]) {
      await append(ws, 'm1');
      await append(ws, 'm2');
    }
    await waitFor(async () => (await deadLetters(1)).total === 2 && (await deadLetters(2)).total === 2 && receiver.accepted(3).length === 2, {
      what: 'refusals and default deliveries',
    });
    for (const ws of [1, 2]) {
      const { items } = await deadLetters(ws);
      expect(
        items.map((item) => item.attempts),
        `workspace ${ws}`,
      ).to.deep.equal([1, 1]);
      expect(items[0]!.last_error).to.match(
        /^WEBHOOK_URL_REFUSED: refusing to connect to (127\.0\.0\.1|localhost): (a loopback address|it resolves to a loopback address) \(WEBHOOK_ALLOW does not name it\)$/,
      );
    }
    expect(receiver.deliveries.filter((delivery) => delivery.event.workspace_id !== 3)).to.deep.equal([]);
    // Nothing is left to retry: both workspaces moved past their events.
    expect(await redis.hget(keys.eventCursors, '1')).to.equal('2');
    expect(await redis.hlen(keys.eventRetry(1))).to.equal(0);
    const metrics = await dispatcher!.metrics.registry.metrics();
    expect(metrics).to.match(/fleet_webhook_deliveries_total\{outcome="refused"[^}]*\} 4/);
    expect(metrics).to.match(/fleet_webhook_dead_letters_total\{[^}]*\} 4/);
  });

  it('delivers to an allow-listed loopback receiver end to end, and replays refused events once it is allowed', async () => {
    const webhooks = new WebhookStore(redis, keys);
    await webhooks.set(1, { url: receiver.url, secret: SECRET, events: [] });
    await start();
    await append(1, 'm1');
    await waitFor(async () => (await deadLetters(1)).total === 1, { what: 'refusal' });
    await dispatcher!.close();
    // The operator allows the receiver and restarts the dispatcher; the dead letter is replayed.
    await start({ webhookAllow: ['127.0.0.1/32'] });
    expect(await new DeadLetterStore(redis, keys).replay(1)).to.equal(1);
    await append(1, 'm2');
    await waitFor(() => receiver.accepted(1).length === 2, { what: 'deliveries' });
    expect(receiver.accepted(1).map((event) => event.sequence)).to.deep.equal([1, 2]);
  });

  it('resolves a name once per connection, judges every address, and connects to the address it judged', async () => {
    const calls: string[] = [];
    const names: Record<string, string[]> = {
      'hook.test': ['127.0.0.1'],
      'private.test': ['10.0.0.7'],
      'mixed.test': ['127.0.0.1', '169.254.169.254'],
    };
    const webhooks = new WebhookStore(redis, keys);
    await webhooks.set(1, { url: `http://hook.test:${receiver.port}/hook`, secret: SECRET, events: [] });
    await webhooks.set(2, { url: `http://private.test:${receiver.port}/hook`, secret: SECRET, events: [] });
    await webhooks.set(3, { url: `http://mixed.test:${receiver.port}/hook`, secret: SECRET, events: [] });
    await start({ webhookAllow: ['127.0.0.1'] }, resolver(names, calls));
    for (const ws of [1, 2, 3]) await append(ws, 'm1');
    await waitFor(async () => receiver.accepted(1).length === 1 && (await deadLetters(2)).total === 1 && (await deadLetters(3)).total === 1, {
      what: 'outcomes',
    });
    // hook.test exists only in the test's resolver: the socket connected where the guard said.
    expect(receiver.deliveries[0]!.headers.host).to.equal(`hook.test:${receiver.port}`);
    expect((await deadLetters(2)).items[0]!.last_error).to.contain('refusing to connect to private.test: it resolves to a private address');
    expect((await deadLetters(3)).items[0]!.last_error).to.contain('refusing to connect to mixed.test: it resolves to a metadata address');
    expect(calls.filter((host) => host === 'hook.test')).to.have.length(1);
    // The name now resolves elsewhere (a rebinding): the pooled socket was checked when it was opened;
    // a new connection judges the new answer.
    names['hook.test'] = ['10.1.1.1'];
    await dispatcher!.close();
    await start({ webhookAllow: ['127.0.0.1'] }, resolver(names, calls));
    await append(1, 'm2');
    await waitFor(async () => (await deadLetters(1)).total === 1, { what: 'rebound name refused' });
    expect((await deadLetters(1)).items[0]!.last_error).to.contain('it resolves to a private address');
    expect(receiver.accepted(1)).to.have.length(1);
  });

  it('never follows a redirect, to a private address or anywhere: a 3xx is a failed attempt', async () => {
    const target = await startServer('127.0.0.2', (response) => response.writeHead(200).end('{}'));
    const redirector = await startServer('127.0.0.1', (response) => response.writeHead(302, { location: `http://127.0.0.2:${target.port}/hook` }).end());
    try {
      await new WebhookStore(redis, keys).set(1, { url: `http://127.0.0.1:${redirector.port}/hook`, secret: SECRET, events: [] });
      // Both loopback addresses are allowed: even an allowed redirect target is not followed.
      await start({ webhookAllow: ['127.0.0.0/8'], maxAttempts: 2 });
      await append(1, 'm1');
      await waitFor(async () => (await deadLetters(1)).total === 1, { what: 'dead letter after 2 attempts' });
      const [dead] = (await deadLetters(1)).items;
      expect(dead).to.include({ attempts: 2, last_error: 'HTTP 302 (redirects are not followed)' });
      expect(redirector.hits()).to.equal(2);
      expect(target.hits()).to.equal(0);
    } finally {
      await stopServer(redirector.server);
      await stopServer(target.server);
    }
  });

  it('reads WEBHOOK_ALLOW, naming bad entries, and refuses a cloud metadata LARAVEL_API_URL at start', () => {
    const base = { REDIS_URL: TEST_REDIS_URL, DISPATCHER_WEBHOOK_SECRET: SECRET };
    expect(readDispatcherConfig({ ...base, WEBHOOK_ALLOW: '10.0.0.0/8, hooks.internal ,::1' }).webhookAllow).to.deep.equal([
      '10.0.0.0/8',
      'hooks.internal',
      '::1',
    ]);
    expect(readDispatcherConfig(base).webhookAllow).to.deep.equal([]);
    const problems = (env: Record<string, string>): readonly string[] => {
      try {
        readDispatcherConfig({ ...base, ...env });
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    };
    expect(problems({ WEBHOOK_ALLOW: '10.0.0.0/33,http://x' })).to.have.length(2);
    for (const url of ['http://169.254.169.254/latest', 'http://metadata.google.internal', 'http://[fd00:ec2::254]/']) {
      expect(problems({ LARAVEL_API_URL: url }), url).to.deep.equal([`LARAVEL_API_URL must not point at a cloud metadata service, got "${url}"`]);
    }
    expect(problems({ LARAVEL_API_URL: 'http://10.0.0.5:8000' })).to.deep.equal([]);
  });
});
