import { expect } from 'chai';
import { ApiKeyStore } from '@fleet/api-keys';
import { createSilentLogger } from '@fleet/logger';
import { SessionStore } from '@fleet/state';
import { freshPrefix } from '@fleet/testing';
import { createIngress, type Ingress } from '../src';
import { RateLimiter } from '../src/rate-limit/rate-limiter';
import { API_KEY, startIngress, type IngressHarness, testIngressConfig } from './helpers';

const headersOf = (response: Response) => ({
  limit: response.headers.get('ratelimit-limit'),
  remaining: response.headers.get('ratelimit-remaining'),
  reset: response.headers.get('ratelimit-reset'),
  retryAfter: response.headers.get('retry-after'),
});

describe('ingress: rate limits per key and per session (in-process, real Redis)', function () {
  this.timeout(30_000);
  let h: IngressHarness;
  let key: string;

  const request = (path: string, token: string, init: RequestInit = {}) =>
    h.ingress.app.request(path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });

  beforeEach(async () => {
    h = await startIngress({ rateLimits: { keyPerMinute: 3, adminPerMinute: 0, sessionSendsPerMinute: 2 } });
    key = (await new ApiKeyStore(h.redis, h.ingress.deps.keys).create({ workspaceId: 5 })).key;
  });

  afterEach(async () => {
    await h.close();
  });

  it('counts down a workspace key with RateLimit headers on every answer, then answers 429 with Retry-After', async () => {
    const seen: Array<ReturnType<typeof headersOf> & { status: number }> = [];
    // Answers of every kind carry the headers: a 200, a route's own 404.
    for (const path of ['/api/keys/current', '/api/sessions/none/status', '/api/keys/current']) {
      const response = await request(path, key);
      seen.push({ status: response.status, ...headersOf(response) });
    }
    expect(seen.map((s) => [s.status, s.limit, s.remaining, s.retryAfter])).to.deep.equal([
      [200, '3', '2', null],
      [404, '3', '1', null],
      [200, '3', '0', null],
    ]);
    for (const s of seen) expect(Number(s.reset)).to.be.within(1, 60);
    const refused = await request('/api/keys/current', key);
    expect(refused.status).to.equal(429);
    const body = (await refused.json()) as { error: { code: string; details: Record<string, unknown> } };
    expect(body.error.code).to.equal('RATE_LIMITED');
    expect(body.error.details).to.include({ limit: 'key' });
    const headers = headersOf(refused);
    expect(headers.limit).to.equal('3');
    expect(headers.remaining).to.equal('0');
    // 3 a minute: one comes back every 20 s.
    expect(Number(headers.retryAfter)).to.be.within(1, 20);
    expect(body.error.details.retry_after_seconds).to.equal(Number(headers.retryAfter));
  });

  it('does not limit admin keys by default, and shows them no RateLimit headers', async () => {
    for (let i = 0; i < 10; i += 1) {
      const response = await request('/api/keys/current', API_KEY);
      expect(response.status).to.equal(200);
      expect(headersOf(response).limit).to.equal(null);
    }
  });

  it("shares a key's bucket across ingresses (Redis), and limits admin keys when RATE_LIMIT_ADMIN_PER_MINUTE is set", async () => {
    const second: Ingress = createIngress(testIngressConfig(h.prefix, { rateLimits: { keyPerMinute: 3, adminPerMinute: 2, sessionSendsPerMinute: 2 } }), {
      logger: createSilentLogger(),
    });
    try {
      const on = (ingress: Ingress, token: string) => ingress.app.request('/api/keys/current', { headers: { authorization: `Bearer ${token}` } });
      expect((await on(h.ingress, key)).status).to.equal(200);
      expect((await on(second, key)).status).to.equal(200);
      expect((await on(h.ingress, key)).status).to.equal(200);
      expect((await on(second, key)).status, 'the fourth request, on either ingress').to.equal(429);
      const admin = [await on(second, API_KEY), await on(second, API_KEY), await on(second, API_KEY)];
      expect(admin.map((r) => r.status)).to.deep.equal([200, 200, 429]);
      expect(headersOf(admin[0]!)).to.include({ limit: '2', remaining: '1' });
      expect(Number(headersOf(admin[2]!).retryAfter)).to.be.within(1, 30);
    } finally {
      await second.close();
    }
  });

  it('limits sends per session for workspace keys (429 naming the session); other sessions and admin keys go on', async () => {
    const sessions = new SessionStore(h.redis, h.ingress.deps.keys);
    for (const id of ['rl-a', 'rl-b']) await sessions.create({ sessionId: id, workspaceId: 5, accountId: '1', shard: h.ingress.deps.cluster.route(5).shard });
    // Two keys of the workspace (each has 3 requests a minute): the session's limit (2 sends a minute) is what refuses.
    const store = new ApiKeyStore(h.redis, h.ingress.deps.keys);
    const keys = [key, (await store.create({ workspaceId: 5 })).key];
    const send = (token: string, session: string) =>
      request('/api/messages/send', token, { method: 'POST', body: JSON.stringify({ session_id: session, to: '+15550001111', text: 'hi' }) });
    expect((await send(keys[0]!, 'rl-a')).status).to.equal(202);
    expect((await send(keys[1]!, 'rl-a')).status).to.equal(202);
    const refused = await send(keys[1]!, 'rl-a');
    expect(refused.status).to.equal(429);
    const body = (await refused.json()) as { error: { code: string; details: Record<string, unknown> } };
    expect(body.error).to.deep.include({ code: 'RATE_LIMITED' });
    expect(body.error.details).to.include({ limit: 'session', session_id: 'rl-a' });
    expect(headersOf(refused)).to.include({ limit: '2', remaining: '0' });
    expect(Number(headersOf(refused).retryAfter)).to.be.within(1, 30);
    expect((await send(keys[0]!, 'rl-b')).status, 'another session').to.equal(202);
    expect((await send(API_KEY, 'rl-a')).status, 'the admin key').to.equal(202);
  });
});

describe('ingress: RateLimiter token buckets (real Redis)', function () {
  this.timeout(30_000);
  let h: IngressHarness;

  beforeEach(async () => {
    h = await startIngress();
  });
  afterEach(async () => h.close());

  it('allows a burst of the limit, refuses the next, and refills at limit per minute', async () => {
    const limiter = new RateLimiter(h.redis);
    const bucket = h.ingress.deps.keys.rateLimitKey(freshPrefix('b'));
    const results = [];
    for (let i = 0; i < 61; i += 1) results.push(await limiter.take(bucket, 60));
    expect(results.slice(0, 60).every((r) => r.allowed)).to.equal(true);
    expect(results.map((r) => r.remaining).slice(0, 3)).to.deep.equal([59, 58, 57]);
    const last = results[60]!;
    expect(last).to.include({ allowed: false, limit: 60, remaining: 0 });
    expect(last.retryAfterSeconds).to.equal(1); // one a second comes back
    expect(last.resetSeconds).to.be.within(59, 60);
    expect(await h.redis.pttl(bucket)).to.be.within(1, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await limiter.take(bucket, 60)).allowed, 'a token came back after a second').to.equal(true);
  });
});
