import { createServer, type IncomingMessage } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { SimulatorClientError } from '@fleet/simulator';
import { cleanPrefix, freshPrefix, TEST_REDIS_URL, waitFor } from '@fleet/testing';
import { readStoredCredsSync } from '@fleet/worker';
import { startLocalFleet, type LocalFleet } from '../src/harness/local-fleet';

/** An HTTP CONNECT proxy on loopback with Basic credentials that records where each tunnel went. */
async function startCountingProxy(user: string, password: string): Promise<{ url: string; tunnels: number[]; close(): Promise<void> }> {
  const tunnels: number[] = [];
  const sockets = new Set<Socket>();
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server = createServer((_request, response) => response.writeHead(405).end());
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('error', () => undefined);
    if (request.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host = '', port = '0'] = (request.url ?? '').split(/:(?=\d+$)/);
    tunnels.push(Number(port));
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${user}:${password}@127.0.0.1:${port}`,
    tunnels,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Managing sessions as a support team does, through the ingress HTTP API with real processes (the
 * simulator, the ingress and a worker running unmodified Baileys): listing, linking by pairing code,
 * restart, logout, the contacts check and a proxy per session.
 */
describe('session management end to end: list, pairing code, restart, logout, contacts, proxy', function () {
  this.timeout(120_000);
  const WORKSPACE = 11;
  let fleet: LocalFleet;
  let prefix: string;
  let phoneNo = 0;

  before(async () => {
    prefix = freshPrefix('e2e-mgmt');
    fleet = await startLocalFleet({ redisUrl: TEST_REDIS_URL, prefix, workers: 1 });
  });
  after(async () => {
    await fleet?.close();
    const redis = new Redis(TEST_REDIS_URL);
    await cleanPrefix(redis, prefix);
    redis.disconnect();
  });

  const nextPhone = (): string => `1556${process.pid % 1000}${String((phoneNo += 1)).padStart(4, '0')}`;
  const status = async (id: string): Promise<any> => (await fleet.api('GET', `/api/sessions/${id}/status`)).body;
  const waitStatus = (id: string, wanted: string, timeoutMs = 30_000): Promise<any> =>
    waitFor(
      async () => {
        const body = await status(id);
        return body.status === wanted ? body : undefined;
      },
      { what: `${id} ${wanted}`, timeoutMs, intervalMs: 100 },
    );
  const create = async (id: string, extra: Record<string, unknown> = {}): Promise<any> => {
    const created = await fleet.api('POST', '/api/sessions/create', { session_id: id, workspace_id: WORKSPACE, account_id: 'acc', ...extra });
    expect(created.status, JSON.stringify(created.body)).to.equal(202);
    return created.body;
  };
  const events = async (type: string): Promise<any[]> =>
    (await fleet.api('GET', `/api/events?workspace_id=${WORKSPACE}&since=0&limit=1000`)).body.events.filter((event: { type: string }) => event.type === type);

  async function pairByQr(id: string, extra: Record<string, unknown> = {}): Promise<string> {
    const phone = nextPhone();
    await create(id, extra);
    const { qr } = await waitStatus(id, 'qr');
    await fleet.simulator.scan(qr, phone);
    await waitStatus(id, 'connected');
    return phone;
  }

  /** The pairing code of a session, once the worker has it and WhatsApp (the simulator) holds the companion's request. */
  async function pairingCode(id: string, phone: string): Promise<string> {
    const answer = await waitFor(
      async () => {
        const page = await fleet.api('GET', `/api/sessions/${id}/pairing-code?wait=20`);
        return page.status === 200 ? page.body : undefined;
      },
      { what: `pairing code of ${id}`, timeoutMs: 60_000 },
    );
    expect(answer).to.include({ session_id: id, phone_number: phone });
    expect(answer.code).to.match(/^[1-9A-HJ-NP-TV-Z]{8}$/);
    await waitFor(async () => (await fleet.simulator.pendingLinkCodes()).some((entry) => entry.phone === phone), {
      what: 'companion_hello at the server',
      timeoutMs: 10_000,
    });
    return answer.code as string;
  }

  it('links by pairing code through the API: create with phone_number → session.pairing_code → the phone enters it → connected', async () => {
    const phone = nextPhone();
    const created = await create('code-1', { phone_number: `+${phone}` });
    expect(created.pairing_phone_number).to.equal(phone);
    const code = await pairingCode('code-1', phone);
    const event = await waitFor(async () => (await events('session.pairing_code')).find((entry) => entry.data.session_id === 'code-1'), { what: 'event' });
    expect(event.data).to.include({ code, phone_number: phone });
    expect(event.data.expires_at).to.be.greaterThan(Date.now());
    const linked = await fleet.simulator.enterLinkCode(phone, code);
    expect(linked).to.include({ phone, deviceId: 1 });
    const connected = await waitStatus('code-1', 'connected');
    expect(connected).to.include({ phone, pairing_code: null, pairing_phone_number: null });
    expect((await fleet.api('GET', '/api/sessions/code-1/pairing-code')).body.error.code).to.equal('PAIRING_CODE_NOT_AVAILABLE');
  });

  it('a wrong code does not link; POST /pair on a session showing a QR gets a code that does', async () => {
    const phone = nextPhone();
    await create('code-2');
    await waitStatus('code-2', 'qr');
    const paired = await fleet.api('POST', '/api/sessions/code-2/pair', { phone_number: phone });
    expect(paired.status).to.equal(202);
    const code = await pairingCode('code-2', phone);
    const wrong = code.startsWith('A') ? 'BBBBBBBB' : 'AAAAAAAA';
    let refused: unknown;
    await fleet.simulator.enterLinkCode(phone, wrong).catch((error: unknown) => (refused = error));
    expect((refused as SimulatorClientError).code).to.equal('LINK_CODE_MISMATCH');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await status('code-2')).status).to.equal('qr');
    await fleet.simulator.enterLinkCode(phone, code);
    expect((await waitStatus('code-2', 'connected')).phone).to.equal(phone);
    const again = await fleet.api('POST', '/api/sessions/code-2/pair', { phone_number: phone });
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('SESSION_ALREADY_LINKED');
  });

  it('restart: the socket closes and a new one logs in with the same state (no new scan)', async () => {
    const phone = await pairByQr('restart-1');
    const logins = (await fleet.simulator.account(phone)).logins;
    const restarted = await fleet.api('POST', '/api/sessions/restart-1/restart');
    expect(restarted.status).to.equal(202);
    await waitFor(async () => (await fleet.simulator.account(phone)).logins > logins, { what: 'a new login', timeoutMs: 30_000 });
    expect((await waitStatus('restart-1', 'connected')).phone).to.equal(phone);
    const account = await fleet.simulator.account(phone);
    expect(account).to.include({ devices: 1, maxConcurrent: 1, conflicts: 0 });
    expect(await fleet.simulator.pendingQrs()).to.deep.equal([]);
  });

  it('logout of a stopped session: the device is unlinked on WhatsApp, its state removed, the record kept; a waiting message fails; it pairs again', async () => {
    const phone = await pairByQr('logout-1');
    await fleet.api('POST', '/api/sessions/logout-1/stop');
    await waitStatus('logout-1', 'stopped');
    const queued = await fleet.api('POST', '/api/messages/send', { session_id: 'logout-1', to: '+15559990001', text: 'will never go' });
    expect(queued.status).to.equal(202);
    const logout = await fleet.api('POST', '/api/sessions/logout-1/logout');
    expect(logout.status).to.equal(202);
    expect(logout.body.desired).to.equal('logged_out');
    const loggedOut = await waitStatus('logout-1', 'logged_out');
    expect(loggedOut).to.include({ phone: null, desired: 'logged_out' });
    expect((await fleet.simulator.account(phone)).devices, 'unlinked from the phone').to.equal(0);
    expect(readStoredCredsSync(path.join(fleet.storagePath, `workspace_${WORKSPACE}`, 'logout-1')), 'no credentials stored').to.equal(undefined);
    const message = await waitFor(
      async () => {
        const body = (await fleet.api('GET', `/api/messages/${queued.body.message_id}`)).body;
        return body.status === 'failed' ? body : undefined;
      },
      { what: 'message failed', timeoutMs: 10_000 },
    );
    expect(message.failed_reason).to.equal('session_logged_out');
    const logged = await waitFor(async () => (await events('session.logged_out')).find((entry) => entry.data.session_id === 'logout-1'), { what: 'event' });
    expect(logged.data.reason).to.equal('api');

    const started = await fleet.api('POST', '/api/sessions/logout-1/start');
    expect(started.status).to.equal(202);
    const { qr } = await waitStatus('logout-1', 'qr');
    await fleet.simulator.scan(qr, phone);
    expect((await waitStatus('logout-1', 'connected')).phone).to.equal(phone);
  });

  it('logout of a connected session logs out on its socket', async () => {
    const phone = await pairByQr('logout-2');
    await fleet.api('POST', '/api/sessions/logout-2/logout');
    await waitStatus('logout-2', 'logged_out');
    const account = await fleet.simulator.account(phone);
    expect(account).to.include({ devices: 0, connections: 0 });
  });

  it('contacts check: which numbers are on WhatsApp, asked through the connected session; 409 when it is not connected', async () => {
    const phone = await pairByQr('contacts-1');
    const unknown = '15569999999';
    const answer = await fleet.api('GET', `/api/contacts/check?session_id=contacts-1&phones=%2B${phone},${unknown}`);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.results).to.deep.equal([
      { phone, exists: true, jid: `${phone}@s.whatsapp.net` },
      { phone: unknown, exists: false, jid: null },
    ]);
    await fleet.api('POST', '/api/sessions/contacts-1/stop');
    await waitStatus('contacts-1', 'stopped');
    const stopped = await fleet.api('GET', `/api/contacts/check?session_id=contacts-1&phones=${phone}`);
    expect(stopped.status).to.equal(409);
    expect(stopped.body.error.code).to.equal('SESSION_NOT_CONNECTED');
  });

  it('a session with proxy_url connects through the proxy (it counts the tunnels); one without does not; a private proxy is refused', async () => {
    const proxy = await startCountingProxy('fleet', 'pr0xy-secret');
    try {
      const proxiedPhone = await pairByQr('proxied-1', { proxy_url: proxy.url });
      expect(proxy.tunnels.length, 'the WebSocket went through it').to.be.at.least(2);
      const view = await status('proxied-1');
      expect(view.proxy).to.deep.include({ configured: true, scheme: 'http' });
      expect(JSON.stringify(view)).to.not.contain('pr0xy-secret');
      // The fleet allows loopback proxies (PROXY_ALLOW), nothing else non-public: a private one is refused, the loopback one kept.
      const refused = await fleet.api('PUT', '/api/sessions/proxied-1/proxy', { proxy_url: 'http://fleet:pr0xy-secret@10.0.0.9:3128' });
      expect(refused.status).to.equal(400);
      expect(refused.body.error).to.deep.include({ code: 'PROXY_URL_REFUSED', details: { host: '10.0.0.9', reason: 'a private address' } });
      expect(JSON.stringify(refused.body)).to.not.contain('pr0xy-secret');
      expect((await status('proxied-1')).proxy.host).to.equal(new URL(proxy.url).host);
      const through = proxy.tunnels.length;
      await pairByQr('direct-1');
      expect(proxy.tunnels.length, 'a session without a proxy goes direct').to.equal(through);
      // Removing it restarts the session, which then connects directly.
      const logins = (await fleet.simulator.account(proxiedPhone)).logins;
      const removed = await fleet.api('PUT', '/api/sessions/proxied-1/proxy', { proxy_url: null });
      expect(removed.body.proxy.configured).to.equal(false);
      await waitFor(async () => (await fleet.simulator.account(proxiedPhone)).logins > logins, { what: 'a new login', timeoutMs: 30_000 });
      await waitStatus('proxied-1', 'connected');
      expect(proxy.tunnels.length, 'the new socket went direct').to.equal(through);
    } finally {
      await proxy.close();
    }
  });

  it("lists the workspace's sessions a page at a time, filtered by status and searched by id or phone", async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await fleet.api('GET', `/api/sessions?workspace_id=${WORKSPACE}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).to.equal(200);
      all.push(...page.body.sessions.map((session: { session_id: string }) => session.session_id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(all).to.include.members(['code-1', 'code-2', 'restart-1', 'logout-1', 'logout-2', 'contacts-1', 'proxied-1', 'direct-1']);
    expect(all).to.deep.equal([...all].sort());
    const loggedOut = await fleet.api('GET', `/api/sessions?workspace_id=${WORKSPACE}&status=logged_out`);
    expect(loggedOut.body.sessions.map((session: { session_id: string }) => session.session_id)).to.deep.equal(['logout-2']);
    const phone = (await status('restart-1')).phone as string;
    const byPhone = await fleet.api('GET', `/api/sessions?search=%2B${phone}`);
    expect(byPhone.body.sessions.map((session: { session_id: string }) => session.session_id)).to.deep.equal(['restart-1']);
    const byId = await fleet.api('GET', `/api/sessions?workspace_id=${WORKSPACE}&search=code-`);
    expect(byId.body.sessions.map((session: { session_id: string }) => session.session_id)).to.deep.equal(['code-1', 'code-2']);
  });
});
