import { expect } from 'chai';
import { Redis } from 'ioredis';
import { SessionStore } from '@fleet/state';
import { waitFor } from '@fleet/testing';
import { startIngress, type IngressHarness } from './helpers';
import { startPrivateRedis, startTcpProxy, type PrivateRedis, type TcpProxy } from './private-redis';

const QR = '2@wakeup,bm9pc2Uta2V5,aWRlbnRpdHkta2V5,YWR2LXNlY3JldA==';

/**
 * The QR long poll's wake-up on a fresh fleet (issue 15, item 4): a Redis just started, as after
 * `make run`, and workers a little way off on the network.
 */
describe('ingress: the QR long poll is woken on a fresh Redis (private redis-server)', function () {
  this.timeout(30_000);
  let server: PrivateRedis;
  let proxy: TcpProxy;
  let h: IngressHarness;
  let worker: Redis;

  beforeEach(async () => {
    server = await startPrivateRedis();
    // The worker's link: each chunk it sends reaches Redis 150 ms later (its answers come back at once).
    proxy = await startTcpProxy(server.port, { delayToServer: () => 150 });
    h = await startIngress({}, server.url);
    await h.addWorker('instance-1');
    worker = new Redis(proxy.url, { maxRetriesPerRequest: null });
  });

  afterEach(async () => {
    try {
      worker.disconnect();
      await h.close();
      await proxy.close();
    } finally {
      await server.close();
    }
  });

  it("answers as soon as the worker's first QR write lands, though Redis had not loaded the write's script yet", async () => {
    const created = await h.call('POST', '/api/sessions/create', { session_id: 'fresh1', workspace_id: 3, account_id: '1' });
    expect(created.status).to.equal(202);
    const started = Date.now();
    const waiting = h.call('GET', '/api/sessions/fresh1/qr?format=raw&wait=6');
    // The wait is registered and the ingress's subscription is in place.
    await waitFor(async () => h.ingress.deps.sessionWatch.waiters === 1 && (await h.redis.pubsub('NUMSUB', h.ingress.deps.keys.sessionChanges))[1] === 1, {
      what: 'the wait subscribed',
    });
    // Exactly what the worker's session manager does when Baileys shows a QR.
    const written = await new SessionStore(worker, h.ingress.deps.keys).update(
      'fresh1',
      { status: 'qr', qr: QR, qrExpiresAt: Date.now() + 60_000 },
      Date.now(),
      0,
    );
    expect(written).to.equal(true);
    // Redis had never run the worker's fenced write: EVALSHA answered NOSCRIPT and the write went out again as EVAL.
    expect(
      proxy.sent.some((chunk) => /\$4\r\neval\r\n/i.test(chunk)),
      'the write fell back to EVAL',
    ).to.equal(true);
    const qrWrittenAfter = Date.now() - started;

    const answer = await waiting;
    const elapsed = Date.now() - started;
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.qr).to.equal(QR);
    // Not at the deadline (6 s): within a few of the worker's round trips of the write.
    expect(elapsed - qrWrittenAfter, `QR written after ${qrWrittenAfter} ms, answered after ${elapsed} ms`).to.be.below(2_000);
  });
});

describe("ingress: the QR long poll is woken after the watch's Redis connection comes back (private redis-server)", function () {
  this.timeout(30_000);
  const HOLD_MS = 1_000;
  let server: PrivateRedis;
  let proxy: TcpProxy;
  let h: IngressHarness;
  let direct: Redis;
  let holding = false;

  beforeEach(async () => {
    server = await startPrivateRedis();
    // The ingress's link: a SUBSCRIBE sent while `holding` reaches Redis HOLD_MS later.
    proxy = await startTcpProxy(server.port, { delayToServer: (chunk) => (holding && /subscribe/i.test(chunk.toString('latin1')) ? HOLD_MS : 0) });
    h = await startIngress({}, proxy.url);
    await h.addWorker('instance-1');
    direct = new Redis(server.url, { maxRetriesPerRequest: null });
  });

  afterEach(async () => {
    try {
      direct.disconnect();
      await h.close();
      await proxy.close();
    } finally {
      await server.close();
    }
  });

  it('a QR written while the subscription is being re-established still wakes the wait', async () => {
    await h.call('POST', '/api/sessions/create', { session_id: 'back1', workspace_id: 3, account_id: '1' });
    const waiting = h.call('GET', '/api/sessions/back1/qr?format=raw&wait=6');
    const channel = h.ingress.deps.keys.sessionChanges;
    await waitFor(async () => h.ingress.deps.sessionWatch.waiters === 1 && (await direct.pubsub('NUMSUB', channel))[1] === 1, { what: 'the wait subscribed' });

    // The watch's connection drops (a network blip, a Redis restart); it reconnects at once.
    holding = true;
    const before = proxy.sent.length;
    await direct.client('KILL', 'TYPE', 'pubsub');
    await waitFor(() => proxy.sent.slice(before).some((chunk) => /subscribe/i.test(chunk)), { what: 'the reconnected watch subscribing again' });
    // Whatever the watch reads on reconnecting has been read; its SUBSCRIBE has not reached Redis yet.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await direct.pubsub('NUMSUB', channel))[1]).to.equal(0);
    const started = Date.now();
    // The worker writes the QR and announces it; nobody is subscribed at this instant.
    await new SessionStore(direct, h.ingress.deps.keys).update('back1', { status: 'qr', qr: QR, qrExpiresAt: Date.now() + 60_000 });

    const answer = await waiting;
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.qr).to.equal(QR);
    expect(Date.now() - started, 'answered long before the 6 s deadline').to.be.below(3_000);
  });
});
