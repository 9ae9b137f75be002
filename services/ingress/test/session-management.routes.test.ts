import { expect } from 'chai';
import { SessionRequests, SessionSecrets, type ContactCheckAnswer } from '@fleet/state';
import { startIngress, TEST_SECRETS_KEY, type IngressHarness } from './helpers';

/** Restart, logout, pairing by code, the proxy and the contacts check, as the ingress answers them (the worker's side is its own tests'). */
describe('ingress: session management routes (in-process, real Redis)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
  });
  afterEach(async () => h.close());

  const create = async (id: string, extra: Record<string, unknown> = {}) =>
    (await h.call('POST', '/api/sessions/create', { session_id: id, workspace_id: 4, account_id: '1', ...extra })).body;
  const jobs = async (shard: number) =>
    (await h.ingress.deps.queues.queue(shard).getJobs(['waiting', 'delayed'])).map((job) => ({ name: job.name, data: job.data as Record<string, unknown> }));
  const record = (id: string) => h.ingress.deps.sessions.get(id);

  it('restart: 202 with the session, desired running, a session.restart job; refused while a logout runs, 404 for an unknown session', async () => {
    const created = await create('r1');
    await h.ingress.deps.sessions.update('r1', { desired: 'stopped', status: 'stopped' });
    const restarted = await h.call('POST', '/api/sessions/r1/restart');
    expect(restarted.status).to.equal(202);
    expect(restarted.body).to.include({ session_id: 'r1', desired: 'running', status: 'stopped' });
    expect((await jobs(created.shard)).map((job) => job.name)).to.include('session.restart');
    await h.ingress.deps.sessions.update('r1', { desired: 'logged_out', status: 'connected' });
    const busy = await h.call('POST', '/api/sessions/r1/restart');
    expect(busy.status).to.equal(409);
    expect(busy.body.error.code).to.equal('SESSION_LOGGING_OUT');
    expect((await h.call('POST', '/api/sessions/nope/restart')).body.error.code).to.equal('SESSION_NOT_FOUND');
  });

  it('logout: 202, desired logged_out and a session.unlink job; start, stop, pair and create wait until it is done, then start works', async () => {
    const created = await create('l1');
    await h.ingress.deps.sessions.update('l1', { status: 'connected', phone: '15550001111' });
    const answer = await h.call('POST', '/api/sessions/l1/logout');
    expect(answer.status).to.equal(202);
    expect(answer.body).to.include({ desired: 'logged_out', status: 'connected' });
    expect((await jobs(created.shard)).filter((job) => job.name === 'session.unlink')).to.have.length(1);
    for (const [method, path, body] of [
      ['POST', '/api/sessions/l1/start'],
      ['POST', '/api/sessions/l1/stop'],
      ['POST', '/api/sessions/l1/pair', { phone_number: '15550002222' }],
      ['POST', '/api/sessions/create', { session_id: 'l1', workspace_id: 4, account_id: '1' }],
    ] as const) {
      const refused = await h.call(method, path, body);
      expect(refused.status, path).to.equal(409);
      expect(refused.body.error.code, path).to.equal('SESSION_LOGGING_OUT');
    }
    // The worker finished: status logged_out. A start (new QR) or a pairing may follow.
    await h.ingress.deps.sessions.update('l1', { status: 'logged_out', phone: null });
    const started = await h.call('POST', '/api/sessions/l1/start');
    expect(started.status).to.equal(202);
    expect(started.body).to.include({ desired: 'running', status: 'logged_out' });
    expect((await h.call('POST', '/api/sessions/l1/logout')).status, 'a logout again is fine').to.equal(202);
    expect((await h.call('POST', '/api/sessions/ghost/logout')).status).to.equal(404);
  });

  it('pair: stores the number, queues session.pair and serves the code once the worker writes it (long poll), as the create with phone_number does', async () => {
    const created = await create('p1');
    const paired = await h.call('POST', '/api/sessions/p1/pair', { phone_number: '+15550003333' });
    expect(paired.status).to.equal(202);
    expect(paired.body).to.include({ pairing_phone_number: '15550003333', pairing_code: null, desired: 'running' });
    expect((await jobs(created.shard)).map((job) => job.name)).to.include('session.pair');
    expect((await h.call('GET', '/api/sessions/p1/pairing-code')).body.error.code).to.equal('PAIRING_CODE_NOT_AVAILABLE');
    const waiting = h.call('GET', '/api/sessions/p1/pairing-code?wait=20');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const expiresAt = Date.now() + 60_000;
    await h.ingress.deps.sessions.update('p1', { status: 'qr', pairingCode: 'ABCD1234', pairingCodeExpiresAt: expiresAt });
    const code = await waiting;
    expect(code.status).to.equal(200);
    expect(code.body).to.deep.equal({ session_id: 'p1', code: 'ABCD1234', phone_number: '15550003333', expires_at: expiresAt });
    expect((await h.call('GET', '/api/sessions/p1/status')).body).to.include({ pairing_code: 'ABCD1234', pairing_code_expires_at: expiresAt });

    const withPhone = await create('p2', { phone_number: '15550004444' });
    expect(withPhone).to.include({ pairing_phone_number: '15550004444', status: 'starting' });
    expect((await record('p2'))?.pairingPhone).to.equal('15550004444');
  });

  it('pair refuses a linked session (SESSION_ALREADY_LINKED) and bad numbers; the code long poll ends when no code can come', async () => {
    await create('p3');
    await h.ingress.deps.sessions.update('p3', { status: 'connected', phone: '15550005555' });
    const linked = await h.call('POST', '/api/sessions/p3/pair', { phone_number: '15550006666' });
    expect(linked.status).to.equal(409);
    expect(linked.body.error.code).to.equal('SESSION_ALREADY_LINKED');
    for (const phone of ['12', '+0123456789', 'abc', '+1 555 000 1111', 1555000111]) {
      const bad = await h.call('POST', '/api/sessions/p3/pair', { phone_number: phone });
      expect(bad.status, String(phone)).to.equal(400);
      expect(bad.body.error.code).to.equal('VALIDATION_FAILED');
    }
    const started = Date.now();
    const none = await h.call('GET', '/api/sessions/p3/pairing-code?wait=20');
    expect(none.body.error.code).to.equal('PAIRING_CODE_NOT_AVAILABLE');
    expect(Date.now() - started).to.be.below(5_000);
  });

  it('proxy: sealed at rest (opens with the key, bound to the session), never echoed; PUT replaces or removes it and restarts a running session', async () => {
    const url = 'socks5://alice:s3cret@proxy.example:1080';
    const created = await h.call('POST', '/api/sessions/create', { session_id: 'x1', workspace_id: 4, account_id: '1', proxy_url: url });
    expect(created.status).to.equal(202);
    expect(JSON.stringify(created.body)).to.not.contain('s3cret');
    expect(created.body.proxy).to.deep.equal({ configured: true, scheme: 'socks5', host: 'proxy.example:1080' });
    const raw = await h.redis.hgetall(`${h.prefix}:session:x1`);
    expect(JSON.stringify(raw)).to.not.match(/alice|s3cret/);
    expect(new SessionSecrets(TEST_SECRETS_KEY).open(raw.proxy_sealed!, 'x1')).to.equal(url);
    const status = await h.call('GET', '/api/sessions/x1/status');
    expect(JSON.stringify(status.body)).to.not.match(/alice|s3cret/);

    const replaced = await h.call('PUT', '/api/sessions/x1/proxy', { proxy_url: 'http://bob:pw@93.184.216.34:3128' });
    expect(replaced.status).to.equal(200);
    expect(replaced.body.proxy).to.deep.equal({ configured: true, scheme: 'http', host: '93.184.216.34:3128' });
    expect((await jobs(created.body.shard)).map((job) => job.name)).to.include('session.restart');
    const removed = await h.call('PUT', '/api/sessions/x1/proxy', { proxy_url: null });
    expect(removed.body.proxy).to.deep.equal({ configured: false, scheme: null, host: null });
    expect(await h.redis.hexists(`${h.prefix}:session:x1`, 'proxy_sealed')).to.equal(0);
  });

  it('proxy: refuses what is not an http(s)/socks5 proxy URL without quoting it', async () => {
    await create('x2');
    for (const proxy of ['ftp://u:topsecret@h:21', 'http://u:topsecret@h:1/path', 'topsecret', 'socks4://h:1080']) {
      const bad = await h.call('PUT', '/api/sessions/x2/proxy', { proxy_url: proxy });
      expect(bad.status, proxy).to.equal(400);
      expect(bad.body.error.code).to.equal('VALIDATION_FAILED');
      expect(JSON.stringify(bad.body)).to.not.contain('topsecret');
    }
    const onCreate = await h.call('POST', '/api/sessions/create', { session_id: 'x3', workspace_id: 4, account_id: '1', proxy_url: 'ftp://u:topsecret@h' });
    expect(onCreate.status).to.equal(400);
    expect(JSON.stringify(onCreate.body)).to.not.contain('topsecret');
    expect((await h.call('PUT', '/api/sessions/x2/proxy', {})).status).to.equal(400);
  });

  describe('contacts check', () => {
    /** Plays the session's worker: takes the contacts.check job and answers it. */
    async function answerAs(shard: number, respond: (phones: string[]) => ContactCheckAnswer): Promise<Record<string, unknown>> {
      const requests = new SessionRequests(h.redis, h.ingress.deps.keys);
      for (let i = 0; i < 200; i += 1) {
        const job = (await jobs(shard)).find((entry) => entry.name === 'contacts.check');
        if (job) {
          const input = await requests.input<{ phones: string[] }>(job.data.requestId as string);
          await requests.reply(job.data.requestId as string, respond(input!.phones), 60);
          return job.data;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('no contacts.check job');
    }

    it("answers for a connected session from its worker's reply; the job carries ids only", async () => {
      const created = await create('c1');
      await h.ingress.deps.sessions.update('c1', { status: 'connected', phone: '15550007777' });
      const asking = h.call('GET', '/api/contacts/check?session_id=c1&phones=%2B15550001111,4915112345678,+15550001111');
      const job = await answerAs(created.shard, (phones) => ({
        results: phones.map((phone) => ({ phone, exists: phone.startsWith('1'), jid: phone.startsWith('1') ? `${phone}@s.whatsapp.net` : null })),
      }));
      expect(JSON.stringify(job)).to.not.contain('15550001111');
      const answer = await asking;
      expect(answer.status).to.equal(200);
      expect(answer.body).to.deep.equal({
        results: [
          { phone: '15550001111', exists: true, jid: '15550001111@s.whatsapp.net' },
          { phone: '4915112345678', exists: false, jid: null },
        ],
      });
      expect(await h.redis.keys(`${h.prefix}:request:*`), 'the request is forgotten').to.deep.equal([]);
    });

    it('409 SESSION_NOT_CONNECTED unless connected (also when the worker finds it is not), 404 unknown, 400 bad lists', async () => {
      const created = await create('c2');
      const notYet = await h.call('GET', '/api/contacts/check?session_id=c2&phones=15550001111');
      expect(notYet.status).to.equal(409);
      expect(notYet.body.error).to.deep.include({ code: 'SESSION_NOT_CONNECTED' });
      expect(notYet.body.error.details.status).to.equal('starting');
      await h.ingress.deps.sessions.update('c2', { status: 'connected' });
      const asking = h.call('GET', '/api/contacts/check?session_id=c2&phones=15550001111');
      await answerAs(created.shard, () => ({ error: 'not_connected', status: 'reconnecting' }));
      expect((await asking).body.error.code).to.equal('SESSION_NOT_CONNECTED');
      expect((await h.call('GET', '/api/contacts/check?session_id=nope&phones=15550001111')).status).to.equal(404);
      const tooMany = Array.from({ length: 51 }, (_, i) => `1555000${String(i).padStart(4, '0')}`).join(',');
      for (const phones of ['', 'abc', '12', tooMany]) {
        expect((await h.call('GET', `/api/contacts/check?session_id=c2&phones=${phones}`)).status, phones.slice(0, 20)).to.equal(400);
      }
      expect((await h.call('GET', '/api/contacts/check?phones=15550001111')).status).to.equal(400);
    });
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const doc = (await h.call('GET', '/openapi.json')).body;
    for (const [path, method] of [
      ['/api/sessions/{id}/restart', 'post'],
      ['/api/sessions/{id}/logout', 'post'],
      ['/api/sessions/{id}/pair', 'post'],
      ['/api/sessions/{id}/pairing-code', 'get'],
      ['/api/sessions/{id}/proxy', 'put'],
      ['/api/contacts/check', 'get'],
    ]) {
      expect(doc.paths[path!]?.[method!], `${method} ${path}`).to.be.an('object');
    }
    expect(doc.components.schemas.CreateSession.properties).to.include.keys('phone_number', 'proxy_url');
  });
});
