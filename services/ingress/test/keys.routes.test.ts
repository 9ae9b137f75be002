import { expect } from 'chai';
import { ApiKeyStore, SCOPES } from '@fleet/api-keys';
import { createSilentLogger } from '@fleet/logger';

import { createIngress, type Ingress } from '../src';
import { startIngress, type IngressHarness, testIngressConfig } from './helpers';
import { startPrivateRedis, type PrivateRedis } from './private-redis';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() - started > timeoutMs) return { value, ms: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('ingress: API keys (in-process, real Redis)', function () {
  this.timeout(30_000);
  let h: IngressHarness;

  beforeEach(async () => {
    h = await startIngress();
  });

  afterEach(async () => {
    await h.close();
  });

  it('creates a workspace key shown once, lists it without its secret, and revokes it', async () => {
    const created = await h.call('POST', '/api/admin/keys', { workspace_id: 5, name: 'crm', scopes: ['messages:send', 'sessions:read'] });
    expect(created.status).to.equal(201);
    expect(created.body).to.have.all.keys('id', 'key', 'workspace_id', 'name', 'scopes', 'created_at');
    expect(created.body).to.deep.include({ workspace_id: 5, name: 'crm', scopes: ['sessions:read', 'messages:send'] });
    expect(created.body.key).to.match(new RegExp(`^fk_${created.body.id}_[A-Za-z0-9_-]{43}$`));
    const secret = (created.body.key as string).slice(20);

    const all = await h.call('POST', '/api/admin/keys', { workspace_id: 6 });
    expect(all.body.scopes, 'no scopes = every scope').to.deep.equal([...SCOPES]);
    expect(all.body.name).to.equal(null);

    const listed = await h.call('GET', '/api/admin/keys?workspace_id=5');
    expect(listed.status).to.equal(200);
    expect(listed.body.keys).to.have.length(1);
    expect(listed.body.keys[0]).to.deep.equal({
      id: created.body.id,
      workspace_id: 5,
      name: 'crm',
      scopes: ['sessions:read', 'messages:send'],
      created_at: created.body.created_at,
      last_used_at: null,
      revoked_at: null,
    });
    expect(JSON.stringify((await h.call('GET', '/api/admin/keys')).body)).to.not.contain(secret);
    expect((await h.call('GET', '/api/admin/keys')).body.keys.map((k: { id: string }) => k.id)).to.deep.equal([created.body.id, all.body.id]);

    const revoked = await h.call('DELETE', `/api/admin/keys/${created.body.id}`);
    expect(revoked.status).to.equal(200);
    expect(revoked.body).to.deep.equal({ id: created.body.id, revoked_at: revoked.body.revoked_at });
    expect((await h.call('DELETE', `/api/admin/keys/${created.body.id}`)).body.revoked_at, 'revoking again keeps the first time').to.equal(
      revoked.body.revoked_at,
    );
    expect((await h.call('GET', '/api/admin/keys?workspace_id=5')).body.keys[0].revoked_at).to.equal(revoked.body.revoked_at);
    const answer = await h.call('GET', '/api/keys/current', undefined, bearer(created.body.key));
    expect(answer.status).to.equal(401);
    expect(answer.body.error).to.include({ code: 'UNAUTHORIZED', message: 'this API key was revoked' });
  });

  it('refuses bad key requests with documented codes', async () => {
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/admin/keys', { workspace_id: 5, scopes: ['sessions:admin'] }, 400, 'VALIDATION_FAILED'],
      ['POST', '/api/admin/keys', { workspace_id: 5, name: '' }, 400, 'VALIDATION_FAILED'],
      ['POST', '/api/admin/keys', { workspace_id: 0 }, 400, 'INVALID_ID'],
      ['POST', '/api/admin/keys', { workspace_id: 5, extra: true }, 400, 'VALIDATION_FAILED'],
      ['GET', '/api/admin/keys?workspace_id=0x5', undefined, 400, 'INVALID_ID'],
      ['DELETE', '/api/admin/keys/0123456789abcdef', undefined, 404, 'KEY_NOT_FOUND'],
      ['DELETE', '/api/admin/keys/NOT-A-KEY', undefined, 400, 'INVALID_ID'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const answer = await h.call(method, path, body);
      expect([answer.status, answer.body.error?.code], `${method} ${path} ${JSON.stringify(body)}`).to.deep.equal([status, code]);
    }
  });

  it('tells a key what it is: GET /api/keys/current', async () => {
    expect((await h.call('GET', '/api/keys/current')).body).to.deep.equal({ kind: 'admin', id: null, workspace_id: null, scopes: [...SCOPES] });
    const created = await h.call('POST', '/api/admin/keys', { workspace_id: 9, scopes: ['events:read'] });
    const answer = await h.call('GET', '/api/keys/current', undefined, bearer(created.body.key));
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ kind: 'workspace', id: created.body.id, workspace_id: 9, scopes: ['events:read'] });
  });

  it('records last use on the first request, then not again within the minute (no write per request)', async () => {
    const created = await h.call('POST', '/api/admin/keys', { workspace_id: 5 });
    const before = Date.now();
    expect((await h.call('GET', '/api/keys/current', undefined, bearer(created.body.key))).status).to.equal(200);
    const first = await until(
      async () => (await h.call('GET', '/api/admin/keys?workspace_id=5')).body.keys[0].last_used_at as number | null,
      (v) => v !== null,
      5_000,
    );
    expect(first.value).to.be.at.least(before);
    await new Promise((resolve) => setTimeout(resolve, 30));
    for (let i = 0; i < 5; i += 1) expect((await h.call('GET', '/api/keys/current', undefined, bearer(created.body.key))).status).to.equal(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await h.call('GET', '/api/admin/keys?workspace_id=5')).body.keys[0].last_used_at).to.equal(first.value);
  });

  it('refuses a revoked key on every ingress within a second or two (pub/sub), though each had it cached', async () => {
    const second: Ingress = createIngress(testIngressConfig(h.prefix), { logger: createSilentLogger() });
    try {
      const created = await h.call('POST', '/api/admin/keys', { workspace_id: 5 });
      const ask = async (ingress: Ingress): Promise<number> => (await ingress.app.request('/api/keys/current', { headers: bearer(created.body.key) })).status;
      expect(await ask(h.ingress)).to.equal(200);
      expect(await ask(second)).to.equal(200);
      // Both now hold the key, subscribed to revocations.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await ask(second)).to.equal(200);
      expect((await h.call('DELETE', `/api/admin/keys/${created.body.id}`)).status).to.equal(200);
      const onSecond = await until(
        () => ask(second),
        (status) => status === 401,
        2_000,
      );
      expect(onSecond.value, `the second ingress still took the revoked key after ${onSecond.ms} ms`).to.equal(401);
      expect(await ask(h.ingress)).to.equal(401);
    } finally {
      await second.close();
    }
  });
});

describe('ingress: API key revocations missed during a broken subscription (private Redis)', function () {
  this.timeout(30_000);
  let redis: PrivateRedis;
  let h: IngressHarness;

  before(async () => {
    redis = await startPrivateRedis();
  });
  after(async () => redis.close());
  beforeEach(async () => {
    h = await startIngress({}, redis.url);
  });
  afterEach(async () => h.close());

  it('reads keys again after the subscription was cut: a revocation made meanwhile (its announcement lost) takes effect within seconds', async () => {
    const store = new ApiKeyStore(h.redis, h.ingress.deps.keys);
    const { record, key } = await store.create({ workspaceId: 5 });
    const ask = async (): Promise<number> => (await h.ingress.app.request('/api/keys/current', { headers: bearer(key) })).status;
    expect(await ask()).to.equal(200);
    await new Promise((resolve) => setTimeout(resolve, 200)); // subscribed by now
    expect(await ask()).to.equal(200);
    // Cut the subscriber off, and revoke without an announcement (as if it was published during the gap).
    await h.redis.client('KILL', 'TYPE', 'pubsub');
    await h.redis.hset(h.ingress.deps.keys.apiKey(record.id), 'revoked_at', String(Date.now()));
    const refused = await until(ask, (status) => status === 401, 5_000);
    expect(refused.value, `the revoked key was still taken after ${refused.ms} ms`).to.equal(401);
  });
});
