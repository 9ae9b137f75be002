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
    worker.disconnect();
    await h.close();
    await proxy.close();
    await server.close();
  });

  it("answers as soon as the worker's first QR write lands, though Redis had not loaded the write's script yet", async () => {
    const created = await h.call('POST', '/api/sessions/create', { session_id: 'fresh1', workspace_id: 3, account_id: '1' });
    expect(created.status).to.equal(202);
    const started = Date.now();
    const waiting = h.call('GET', '/api/sessions/fresh1/qr?format=raw&wait=6');
    // The wait is registered and the ingress's subscription is in place.
    await waitFor(async () => h.ingress.deps.sessionWatch.waiters === 1 && (await h.redis.pubsub('NUMSUB', h.ingress.deps.keys.sessionChanges))[1] === 1, { what: 'the wait subscribed' });
    // Exactly what the worker's session manager does when Baileys shows a QR.
    const written = await new SessionStore(worker, h.ingress.deps.keys).update('fresh1', { status: 'qr', qr: QR, qrExpiresAt: Date.now() + 60_000 }, Date.now(), 0);
    expect(written).to.equal(true);
    // Redis had never run the worker's fenced write: EVALSHA answered NOSCRIPT and the write went out again as EVAL.
    expect(proxy.sent.some((chunk) => /\$4\r\neval\r\n/i.test(chunk)), 'the write fell back to EVAL').to.equal(true);
    const qrWrittenAfter = Date.now() - started;

    const answer = await waiting;
    const elapsed = Date.now() - started;
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.qr).to.equal(QR);
    // Not at the deadline (6 s): within a few of the worker's round trips of the write.
    expect(elapsed - qrWrittenAfter, `QR written after ${qrWrittenAfter} ms, answered after ${elapsed} ms`).to.be.below(2_000);
  });
});
