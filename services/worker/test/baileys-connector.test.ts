import path from 'node:path';
import { expect } from 'chai';
import { createSimulator, type Simulator } from '@fleet/simulator';
import { createSilentLogger } from '@fleet/logger';
import { KeyCache } from '../src/auth-state';
import { BaileysConnector } from '../src/connector/baileys';
import type { MessageAckStatus, SessionHandle, SessionHandlers, SessionSpec } from '../src/connector/types';
import { makeTempDir, removeTempDir } from './auth-state-helpers';

type Event = { kind: string; data?: unknown };

/** Handlers that record every call and let a test wait for one. */
class Recorder implements SessionHandlers {
  readonly events: Event[] = [];
  private waiters: Array<{ match: (event: Event) => boolean; resolve: (event: Event) => void }> = [];

  onQr(qr: string, expiresAt: number): void {
    this.push({ kind: 'qr', data: { qr, expiresAt } });
  }
  onConnected(info: { readonly phone: string }): void {
    this.push({ kind: 'connected', data: info });
  }
  onDisconnected(info: unknown): void {
    this.push({ kind: 'disconnected', data: info });
  }
  onLoggedOut(): void {
    this.push({ kind: 'logged-out' });
  }
  onFailed(info: unknown): void {
    this.push({ kind: 'failed', data: info });
  }
  onMessageStatus(id: string, status: MessageAckStatus): void {
    this.push({ kind: 'status', data: { id, status } });
  }
  onIncomingMessage(message: unknown): void {
    this.push({ kind: 'incoming', data: message });
  }

  /** Resolves with the first event (already seen or future) that matches. */
  waitFor(kind: string, match: (data: any) => boolean = () => true, timeoutMs = 15_000): Promise<any> {
    const test = (event: Event) => event.kind === kind && match(event.data);
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen.data);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${kind}: ${JSON.stringify(this.kinds())}`)), timeoutMs);
      this.waiters.push({ match: test, resolve: (event) => (clearTimeout(timer), resolve(event.data)) });
    });
  }

  kinds(): string[] {
    return this.events.map((event) => event.kind);
  }

  private push(event: Event): void {
    this.events.push(event);
    for (const waiter of this.waiters.filter((w) => w.match(event))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('baileys-connector: against the WhatsApp simulator', function () {
  this.timeout(60_000);
  let simulator: Simulator;
  let connector: BaileysConnector;
  let root: string;
  let sessionNo = 0;

  const newSpec = (epoch = 1): SessionSpec => {
    sessionNo += 1;
    return { sessionId: `s${sessionNo}`, workspaceId: 9, accountId: 'a', epoch, storageDir: path.join(root, 'workspace_9', `s${sessionNo}`) };
  };

  /** Starts a session, scans its QR as `phone` and waits until it is connected (after the 515). */
  async function pair(spec: SessionSpec, phone: string): Promise<{ handle: SessionHandle; events: Recorder }> {
    const events = new Recorder();
    const handle = await connector.start(spec, events);
    const { qr, expiresAt } = await events.waitFor('qr');
    expect(expiresAt - Date.now()).to.be.within(55_000, 60_000);
    await simulator.scan(qr, phone);
    expect(await events.waitFor('connected')).to.deep.equal({ phone });
    return { handle, events };
  }

  before(async () => {
    simulator = createSimulator();
    const { wsUrl } = await simulator.start();
    root = await makeTempDir('fleet-connector-sim-');
    connector = new BaileysConnector({
      logger: createSilentLogger(),
      waWebSocketUrl: wsUrl,
      backoff: { initialDelayMs: 50, maxDelayMs: 200 },
      conflicts: { delayMs: 50, maxInWindow: 1, windowMs: 60_000 },
      fsync: false,
      keyCache: new KeyCache(),
    });
  });

  after(async () => {
    await connector.close();
    await simulator.close();
    await removeTempDir(root);
  });

  it('pairs, sends a text that the simulator decrypts, tracks sent then delivered, receives a reply', async () => {
    const phone = '15550100001';
    const { handle, events } = await pair(newSpec(), phone);
    expect(events.kinds().slice(0, 3)).to.deep.equal(['qr', 'disconnected', 'connected']);
    expect(events.events[1]?.data).to.deep.include({ code: 515, willReconnect: true });

    const sent = await handle.send({ messageId: 'FLEETMSG0001', to: '+1 555 0199 999', content: { type: 'text', text: 'hello from fleet' } });
    expect(sent.waMessageId).to.equal('FLEETMSG0001');
    await events.waitFor('status', (data) => data.id === 'FLEETMSG0001' && data.status === 'delivered');
    const statuses = events.events.filter((e) => e.kind === 'status').map((e) => (e.data as { status: string }).status);
    expect(statuses).to.deep.equal(['sent', 'delivered']);
    const got = simulator.sent(phone);
    expect(got.map((m) => [m.id, m.to, m.text])).to.deep.equal([['FLEETMSG0001', '15550199999@s.whatsapp.net', 'hello from fleet']]);

    // A second message to the same phone-only contact needs no new device query.
    const queries = simulator.stats().deviceQueries;
    await handle.send({ messageId: 'FLEETMSG0002', to: '+1 555 0199 999', content: { type: 'text', text: 'and again' } });
    await events.waitFor('status', (data) => data.id === 'FLEETMSG0002' && data.status === 'delivered');
    expect(simulator.stats().deviceQueries).to.equal(queries);
    expect(simulator.sent(phone).map((m) => m.text)).to.deep.equal(['hello from fleet', 'and again']);

    const { id } = await simulator.incoming(phone, { from: '15550199999', text: 'hi back' });
    const incoming = await events.waitFor('incoming', (data) => data.waMessageId === id);
    expect(incoming).to.include({ from: '15550199999@s.whatsapp.net', text: 'hi back' });
  });

  it('sends a burst of 20 staggered messages to one contact: every copy decrypts, all are delivered', async () => {
    const phone = '15550100004';
    const { handle, events } = await pair(newSpec(), phone);
    await handle.send({ messageId: 'WARMUP000001', to: '15550199998', content: { type: 'text', text: 'warm' } });
    await events.waitFor('status', (data) => data.id === 'WARMUP000001' && data.status === 'delivered');
    for (let round = 0; round < 2; round += 1) {
      const ids = Array.from({ length: 20 }, (_, i) => `BURST${round}${String(i).padStart(6, '0')}`);
      // Overlapping sends, each starting while earlier ones encrypt and commit: Baileys' own key-store
      // transactions lost writes here and the contact could not decrypt about half of them.
      await Promise.all(
        ids.map(async (id, i) => {
          await delay(i * 2);
          await handle.send({ messageId: id, to: '15550199998', content: { type: 'text', text: `burst ${round}/${i}` } });
        }),
      );
      for (const id of ids) await events.waitFor('status', (data) => data.id === id && data.status === 'delivered');
    }
    const account = simulator.accounts().find((candidate) => candidate.phone === phone);
    expect(account).to.include({ decryptFailures: 0, retryReceipts: 0 });
    expect(simulator.sent(phone).filter((m) => m.text?.startsWith('burst'))).to.have.length(40);
  });

  it('answers a recipient that lost its session and asks again: the message is re-encrypted and delivered', async () => {
    const phone = '15550100005';
    const { handle, events } = await pair(newSpec(), phone);
    await handle.send({ messageId: 'RETRYFIRST01', to: '15550199997', content: { type: 'text', text: 'before' } });
    await events.waitFor('status', (data) => data.id === 'RETRYFIRST01' && data.status === 'delivered');
    expect(simulator.faults(phone, { forgetSessions: true }).sessionsForgotten).to.be.at.least(1);
    await handle.send({ messageId: 'RETRYAFTER01', to: '15550199997', content: { type: 'text', text: 'after the contact lost its session' } });
    await events.waitFor('status', (data) => data.id === 'RETRYAFTER01' && data.status === 'delivered');
    const record = simulator.sent(phone).find((m) => m.id === 'RETRYAFTER01');
    expect(record).to.include({ text: 'after the contact lost its session', copies: 2 });
    expect(simulator.account(phone)).to.include({ decryptFailures: 1, retryReceipts: 1 });
  });

  it('connects again from the same directory after stop, without a new scan', async () => {
    const spec = newSpec();
    const first = await pair(spec, '15550100002');
    await first.handle.stop();
    const again = new Recorder();
    await connector.start(spec, again);
    expect(await again.waitFor('connected')).to.deep.equal({ phone: '15550100002' });
    expect(again.kinds()).to.not.include('qr');
  });

  it('reconnects after 428, 515 and a first 440 conflict, fails on a second conflict in the window, clears state on 401', async () => {
    const phone = '15550100003';
    const spec = newSpec();
    const { events } = await pair(spec, phone);
    const connectedCount = () => events.kinds().filter((k) => k === 'connected').length;

    for (const code of [428, 515] as const) {
      const before = connectedCount();
      simulator.faults(phone, { disconnect: code });
      await events.waitFor('disconnected', (data) => data.code === code);
      while (connectedCount() === before) await delay(20);
    }

    // A conflict now and then passes (WhatsApp sees a few a day per few hundred devices): reconnect.
    const beforeConflict = connectedCount();
    simulator.faults(phone, { disconnect: 440 });
    expect(await events.waitFor('disconnected', (data) => data.code === 440)).to.deep.equal({ code: 440, reason: 'conflict', willReconnect: true });
    while (connectedCount() === beforeConflict) await delay(20);
    // More conflicts within the window than allowed (here one): another client holds the device; stop fighting.
    simulator.faults(phone, { disconnect: 440 });
    expect(await events.waitFor('failed')).to.deep.equal({ code: 440, reason: 'conflict' });
    const connectionsAfterConflict = simulator.account(phone).connections;
    await delay(500);
    expect(simulator.account(phone).connections).to.equal(connectionsAfterConflict);

    const restarted = new Recorder(); // start() would reject with SESSION_ALREADY_RUNNING if it were still held
    await connector.start(spec, restarted);
    await restarted.waitFor('connected');
    simulator.faults(phone, { disconnect: 401 });
    await restarted.waitFor('logged-out');
    const fresh = new Recorder();
    await connector.start(spec, fresh);
    await fresh.waitFor('qr');
  });
});
