import path from 'node:path';
import { Readable } from 'node:stream';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { expect } from 'chai';
import { createSimulator, readMediaCa, type Simulator } from '@fleet/simulator';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, createSilentLogger } from '@fleet/logger';
import { AddressGuard, systemResolve, type ResolveAll } from '@fleet/net';
import { KeyCache } from '../src/auth-state';
import { BaileysConnector } from '../src/connector/baileys';
import type { SessionHandle, SessionSpec } from '../src/connector/types';
import { makeTempDir, removeTempDir } from './auth-state-helpers';
import { Recorder } from './fixtures/recorder';
import { startConnectProxy, startSocksProxy, type TestProxy } from './fixtures/test-proxies';

/**
 * The Baileys connector linking by pairing code, checking contacts and going through a proxy, with
 * unmodified Baileys against the simulator (which links by code as WhatsApp does).
 */
describe('baileys-connector: pairing codes, contacts, proxies (against the simulator)', function () {
  this.timeout(90_000);
  let simulator: Simulator;
  let connector: BaileysConnector;
  let root: string;
  let wsPort: number;
  let wsUrl: string;
  let mediaPort: number;
  let sessionNo = 0;
  const handles: SessionHandle[] = [];

  const newSpec = (extra: Partial<SessionSpec> = {}, id?: string): SessionSpec => {
    const sessionId = id ?? `link${(sessionNo += 1)}`;
    return { sessionId, workspaceId: 9, accountId: 'a', epoch: 1, storageDir: path.join(root, 'workspace_9', sessionId), ...extra };
  };

  async function start(spec: SessionSpec): Promise<{ handle: SessionHandle; events: Recorder }> {
    const events = new Recorder();
    const handle = await connector.start(spec, events);
    handles.push(handle);
    return { handle, events };
  }

  /** A session linked by scanning its QR (the usual way). */
  async function pairByQr(spec: SessionSpec, phone: string): Promise<{ handle: SessionHandle; events: Recorder }> {
    const started = await start(spec);
    const { qr } = await started.events.waitFor('qr');
    await simulator.scan(qr, phone);
    await started.events.waitFor('connected');
    return started;
  }

  before(async () => {
    simulator = createSimulator();
    const started = await simulator.start();
    wsPort = started.port;
    wsUrl = started.wsUrl;
    mediaPort = started.mediaPort;
    root = await makeTempDir('fleet-connector-link-');
    const mediaCa = [...rootCertificates, readMediaCa().toString('utf8')];
    connector = new BaileysConnector({
      logger: createSilentLogger(),
      waWebSocketUrl: started.wsUrl,
      fsync: false,
      keyCache: new KeyCache(),
      mediaAgent: new Agent({ ca: mediaCa }),
      mediaCa,
      media: { open: async () => ({ stream: Readable.from([Buffer.alloc(4_000, 7)]), mimetype: 'image/jpeg', maxBytes: 16 * 2 ** 20 }) },
      // The test proxies listen on loopback: allowed as PROXY_ALLOW=127.0.0.1 would.
      proxyGuard: new AddressGuard({ allow: ['127.0.0.1'] }),
    });
  });

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((handle) => handle.stop().catch(() => undefined)));
  });

  after(async () => {
    await connector.close();
    await simulator.close();
    await removeTempDir(root);
  });

  /** The user types the code on the phone: once WhatsApp has the companion's request (Baileys does not wait for its answer). */
  async function enterCode(phone: string, code: string): Promise<void> {
    for (let i = 0; i < 100 && !simulator.pendingLinkCodes().some((entry) => entry.phone === phone); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await simulator.enterLinkCode(phone, code);
  }

  it('links by pairing code: the code comes after the socket registers, the phone enters it, the session connects', async () => {
    const phone = '15550200001';
    const { events } = await start(newSpec({ pairingPhone: phone }));
    const { code, phone: forPhone, expiresAt } = await events.waitFor('pairing-code');
    expect(code).to.match(/^[1-9A-HJ-NP-TV-Z]{8}$/);
    expect(forPhone).to.equal(phone);
    // Six QR refs: 60 s, then 20 s each, is how long the socket offering the code lives.
    expect(expiresAt - Date.now()).to.be.within(150_000, 160_000);
    await enterCode(phone, code);
    expect(await events.waitFor('connected')).to.deep.equal({ phone });
    expect(simulator.account(phone)).to.include({ devices: 1, connections: 1 });
  });

  it('a wrong code does not link: the session keeps waiting, and the right code still links it', async () => {
    const phone = '15550200002';
    const { events } = await start(newSpec({ pairingPhone: phone }));
    const { code } = await events.waitFor('pairing-code');
    const wrong = code === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA';
    let refused: unknown;
    await enterCode(phone, wrong).catch((error: unknown) => (refused = error));
    expect((refused as { code?: string }).code).to.equal('LINK_CODE_MISMATCH');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(events.kinds()).to.not.include('connected');
    expect(() => simulator.account(phone)).to.throw(/no such account/);
    await enterCode(phone, code);
    expect(await events.waitFor('connected')).to.deep.equal({ phone });
  });

  it('pair() on a session showing a QR asks for a code then; an unfinished pairing is forgotten when the session starts again', async () => {
    const phone = '15550200003';
    const spec = newSpec({}, 'link-restarted');
    const first = await start(spec);
    await first.events.waitFor('qr');
    await first.handle.pair!(phone);
    const { code: firstCode } = await first.events.waitFor('pairing-code');
    expect(firstCode).to.match(/^[1-9A-HJ-NP-TV-Z]{8}$/);
    // The socket goes away before the code is entered; the saved creds name the phone but are not linked.
    await first.handle.stop();
    const again = await start({ ...spec, epoch: 2, pairingPhone: phone });
    const { code } = await again.events.waitFor('pairing-code');
    expect(code).to.not.equal(firstCode);
    await enterCode(phone, code);
    expect(await again.events.waitFor('connected')).to.deep.equal({ phone });
    expect(again.events.kinds()).to.not.include('logged-out');
  });

  it('checks which numbers are on WhatsApp over the connected socket', async () => {
    const phone = '15550200004';
    const { handle } = await pairByQr(newSpec(), phone);
    simulator.addUsers({ phones: ['15550200999'] });
    expect(await handle.checkContacts!([phone, '15550200999', '15550200998'])).to.deep.equal([
      { phone, exists: true, jid: `${phone}@s.whatsapp.net` },
      { phone: '15550200999', exists: true, jid: '15550200999@s.whatsapp.net' },
      { phone: '15550200998', exists: false, jid: null },
    ]);
  });

  describe('through a proxy on loopback that counts its tunnels', () => {
    const credentials = { user: 'fleet', password: 'p@ss:w0rd' };
    const proxies: TestProxy[] = [];
    after(async () => Promise.all(proxies.map((proxy) => proxy.close())));

    for (const [kind, startProxy] of [
      ['HTTP CONNECT', startConnectProxy],
      ['SOCKS5', startSocksProxy],
    ] as const) {
      it(`${kind}: a session with proxy_url connects and uploads media through it; one without does not use it`, async () => {
        const proxy = await startProxy(credentials);
        proxies.push(proxy);
        const url = proxy.url;
        const phone = kind === 'SOCKS5' ? '15550200011' : '15550200010';
        const { handle, events } = await pairByQr(newSpec({ proxyUrl: url }), phone);
        const toWhatsApp = proxy.tunnels.filter((tunnel) => tunnel.port === wsPort).length;
        expect(toWhatsApp, 'the pairing socket and the one after 515').to.be.at.least(2);
        expect(proxy.refused).to.equal(0);

        await handle.send({
          messageId: `PROXYIMG${phone.slice(-2)}`,
          to: '15550200500',
          content: { type: 'image', media: { mediaId: 'med_000000000000000000000000' } },
        });
        await events.waitFor('status', (data) => data.status === 'delivered');
        expect(
          proxy.tunnels.some((tunnel) => tunnel.port === mediaPort),
          'the media upload went through it',
        ).to.equal(true);
        expect(simulator.sent(phone)[0]?.media).to.include({ verified: true });
        // Received media is downloaded through it too.
        const mediaTunnels = (): number => proxy.tunnels.filter((tunnel) => tunnel.port === mediaPort).length;
        const beforeDownload = mediaTunnels();
        const { id } = await simulator.incoming(phone, { type: 'image', from: '15550200500', size: 3_000 });
        const incoming = await events.waitFor('incoming', (data) => data.waMessageId === id);
        let bytes = 0;
        for await (const chunk of await incoming.media.download()) bytes += (chunk as Buffer).length;
        expect(bytes).to.equal(3_000);
        expect(mediaTunnels()).to.be.above(beforeDownload);

        const before = proxy.tunnels.length;
        await pairByQr(newSpec(), `${phone.slice(0, -2)}2${phone.slice(-1)}`);
        expect(proxy.tunnels.length, 'a session without a proxy goes direct').to.equal(before);
      });
    }

    it('wrong proxy credentials: the proxy refuses (407), the session fails at once (proxy_auth_failed), it never connects around it', async () => {
      const proxy = await startConnectProxy(credentials);
      proxies.push(proxy);
      const { events } = await start(newSpec({ proxyUrl: proxy.url.replace('fleet:', 'intruder:') }));
      expect(await events.waitFor('failed', () => true, 10_000)).to.deep.equal({ code: 407, reason: 'proxy_auth_failed' });
      expect(proxy.refused).to.equal(1);
      expect(proxy.tunnels).to.deep.equal([]);
      expect(events.kinds()).to.not.include('qr');
    });

    /** Runs `test` with a connector whose proxy guard is `guard` (the suite's own allows loopback). */
    async function withGuard(guard: AddressGuard, test: (guarded: BaileysConnector) => Promise<void>): Promise<void> {
      const guarded = new BaileysConnector({
        logger: createSilentLogger(),
        waWebSocketUrl: wsUrl,
        fsync: false,
        credsPoolSize: 0,
        keyCache: new KeyCache(),
        proxyGuard: guard,
      });
      try {
        await test(guarded);
      } finally {
        await guarded.close();
      }
    }

    it('a proxy on a refused address or metadata name (no PROXY_ALLOW): the start fails (PROXY_REFUSED) naming the host, never the credentials; nothing connects, through it or around it', async () => {
      const proxy = await startConnectProxy(credentials);
      proxies.push(proxy);
      const sockets = simulator.stats().socketsTotal;
      await withGuard(new AddressGuard(), async (strict) => {
        const refusals: Array<[string, string]> = [
          [proxy.url, 'refusing to use the proxy 127.0.0.1: a loopback address (PROXY_ALLOW does not name it)'],
          [
            proxy.url.replace('127.0.0.1', '10.0.0.7').replace('http:', 'socks5:'),
            'refusing to use the proxy 10.0.0.7: a private address (PROXY_ALLOW does not name it)',
          ],
          [
            proxy.url.replace('127.0.0.1', 'metadata.google.internal'),
            'refusing to use the proxy metadata.google.internal: a cloud metadata host (PROXY_ALLOW does not name it)',
          ],
        ];
        for (const [url, message] of refusals) {
          const events = new Recorder();
          const refused = await strict.start(newSpec({ proxyUrl: url }), events).then(
            () => undefined,
            (error: unknown) => error as Error & { code?: string },
          );
          expect(refused?.code, url).to.equal('PROXY_REFUSED');
          expect(refused?.message).to.equal(message);
          expect(events.kinds()).to.deep.equal([]);
        }
        expect(strict.size).to.equal(0);
      });
      expect(proxy.tunnels).to.deep.equal([]);
      expect(proxy.refused).to.equal(0);
      expect(simulator.stats().socketsTotal, 'no socket went around the proxy').to.equal(sockets);
    });

    it("logs nothing of a proxy URL, at debug level with Baileys' own lines: not its credentials, whether it connects, is refused (407) or is not allowed", async () => {
      // The production logger (redaction included), its console swapped for memory.
      const logger = createLogger({ service: 'worker', level: 'debug' });
      const lines: string[] = [];
      logger.clear();
      logger.add(
        new winston.transports.Stream({ stream: new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) }) }),
      );
      const secret = { user: 'pr0xy-user', password: 'Pr0xy@S3cret:/' };
      const connect = await startConnectProxy(secret);
      const socks = await startSocksProxy(secret);
      proxies.push(connect, socks);
      const logged = new BaileysConnector({
        logger,
        waWebSocketUrl: wsUrl,
        fsync: false,
        credsPoolSize: 0,
        keyCache: new KeyCache(),
        mediaCa: [...rootCertificates, readMediaCa().toString('utf8')],
        media: { open: async () => ({ stream: Readable.from([Buffer.alloc(4_000, 7)]), mimetype: 'image/jpeg', maxBytes: 16 * 2 ** 20 }) },
        // blocked.test resolves to a private address: refused at connection.
        proxyGuard: new AddressGuard({
          allow: ['127.0.0.1'],
          resolve: async (host) => (host === 'blocked.test' ? [{ address: '10.0.0.7', family: 4 }] : systemResolve(host)),
        }),
      });
      try {
        for (const [proxy, phone] of [
          [connect, '15550200040'],
          [socks, '15550200041'],
        ] as const) {
          const events = new Recorder();
          const handle = await logged.start(newSpec({ proxyUrl: proxy.url }), events);
          await simulator.scan((await events.waitFor('qr')).qr, phone);
          await events.waitFor('connected');
          await handle.send({
            messageId: `LOGIMG${phone.slice(-2)}`,
            to: '15550200500',
            content: { type: 'image', media: { mediaId: 'med_000000000000000000000000' } },
          });
          await events.waitFor('status', (data) => data.status === 'delivered');
          await handle.stop();
        }
        const refused = new Recorder();
        await logged.start(newSpec({ proxyUrl: connect.url.replace(encodeURIComponent(secret.password), 'wr0ng-Pa55') }), refused);
        await refused.waitFor('failed', () => true, 10_000);
        const notAllowed = new Recorder();
        await logged.start(newSpec({ proxyUrl: connect.url.replace('127.0.0.1', 'blocked.test') }), notAllowed);
        expect(await notAllowed.waitFor('failed', () => true, 10_000)).to.include({ reason: 'proxy_refused' });
        const literal = await logged.start(newSpec({ proxyUrl: socks.url.replace('127.0.0.1', '10.0.0.7') }), new Recorder()).catch((error: Error) => error);
        expect(literal).to.include({ code: 'PROXY_REFUSED' });
      } finally {
        await logged.close();
      }
      const text = lines.join('');
      expect(lines.length, 'the logger wrote (debug, Baileys included)').to.be.above(20);
      expect(text).to.contain('"proxyScheme":"socks5"');
      // Not even redacted: no line names a proxy's address (only its scheme: proxyScheme).
      const addresses = [connect.url, socks.url].map((url) => new URL(url).host);
      for (const fragment of [secret.user, 'Pr0xy', encodeURIComponent(secret.password), 'S3cret', 'wr0ng-Pa55', ...addresses]) {
        expect(text, fragment).to.not.contain(fragment);
      }
    });

    for (const [kind, startProxy] of [
      ['HTTP CONNECT', startConnectProxy],
      ['SOCKS5', startSocksProxy],
    ] as const) {
      it(`${kind}: a proxy named by a host that resolves to loopback (localhost) is refused after DNS: the session fails (proxy_refused) and never connects around it`, async () => {
        const proxy = await startProxy(credentials);
        proxies.push(proxy);
        const sockets = simulator.stats().socketsTotal;
        await withGuard(new AddressGuard(), async (strict) => {
          const events = new Recorder();
          const handle = await strict.start(newSpec({ proxyUrl: proxy.url.replace('127.0.0.1', 'localhost') }), events);
          expect(await events.waitFor('failed', () => true, 10_000)).to.deep.equal({
            code: 0,
            reason: 'proxy_refused',
            detail: 'refusing to use the proxy localhost: it resolves to a loopback address (PROXY_ALLOW does not name it)',
          });
          expect(events.kinds()).to.deep.equal(['failed']);
          await handle.stop();
        });
        expect(proxy.tunnels).to.deep.equal([]);
        expect(simulator.stats().socketsTotal, 'no socket went around the proxy').to.equal(sockets);
      });

      it(`${kind}: the proxy's name is judged at every connection: resolving to an allowed address it is used; resolving to a refused one later, the session fails instead of reconnecting`, async () => {
        const proxy = await startProxy(credentials);
        proxies.push(proxy);
        // proxy.test is only known to this resolver: the connection to the proxy takes what the guard hands it.
        let answer = '127.0.0.1';
        const resolve: ResolveAll = async (host) => (host === 'proxy.test' ? [{ address: answer, family: 4 }] : []);
        await withGuard(new AddressGuard({ allow: ['127.0.0.1'], resolve }), async (guarded) => {
          const phone = kind === 'SOCKS5' ? '15550200031' : '15550200030';
          const events = new Recorder();
          const handle = await guarded.start(newSpec({ proxyUrl: proxy.url.replace('127.0.0.1', 'proxy.test') }), events);
          const { qr } = await events.waitFor('qr');
          await simulator.scan(qr, phone);
          await events.waitFor('connected');
          expect(proxy.tunnels.filter((tunnel) => tunnel.port === wsPort).length, 'through the proxy').to.be.at.least(2);

          answer = '10.0.0.7';
          const tunnels = proxy.tunnels.length;
          const sockets = simulator.stats().socketsTotal;
          simulator.faults(phone, { disconnect: 428 });
          expect(await events.waitFor('failed', () => true, 15_000)).to.deep.equal({
            code: 0,
            reason: 'proxy_refused',
            detail: 'refusing to use the proxy proxy.test: it resolves to a private address (PROXY_ALLOW does not name it)',
          });
          expect(events.kinds().slice(-2)).to.deep.equal(['disconnected', 'failed']);
          expect(proxy.tunnels.length).to.equal(tunnels);
          expect(simulator.stats().socketsTotal, 'no socket went around the proxy').to.equal(sockets);
          await handle.stop();
        });
      });
    }
  });
});
