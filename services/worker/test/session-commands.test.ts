import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { Membership } from '@fleet/cluster';
import { EventLog } from '@fleet/events';
import { createKeys, type Keys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { MessageLedger } from '@fleet/messages';
import { LeaseStore, SessionRequests, SessionSecrets, SessionStore, type ContactCheckAnswer } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis, waitFor } from '@fleet/testing';
import { createWorkerMetrics, SessionManager, type SessionConnector, type SessionHandlers, type SessionSpec } from '../src';
import { ProxyRefusedError } from '../src/connector/baileys';
import { SessionBusyError } from '../src/sessions/errors';

const KEY = 'ab'.repeat(32);

/**
 * A connector standing in for Baileys: a session whose id is in `linked` connects at once (its stored
 * state is linked), any other shows a QR. It records every start (its spec) and every call on a handle.
 */
class CommandConnector implements SessionConnector {
  readonly specs: SessionSpec[] = [];
  readonly calls: string[] = [];
  readonly linked = new Set<string>();
  /** While set, a socket's stop waits for it (a close that takes a while, as Baileys' does). */
  closing: Promise<void> | undefined;

  async start(spec: SessionSpec, handlers: SessionHandlers) {
    this.specs.push(spec);
    const { sessionId } = spec;
    setImmediate(() => (this.linked.has(sessionId) ? handlers.onConnected({ phone: '15550000001' }) : handlers.onQr(`qr-${sessionId}`, Date.now() + 60_000)));
    return {
      send: async (message: { messageId: string }) => ({ waMessageId: message.messageId }),
      stop: async () => {
        this.calls.push(`stop ${sessionId}`);
        await this.closing;
      },
      logout: async () => {
        this.calls.push(`logout ${sessionId}`);
        this.linked.delete(sessionId);
      },
      pair: async (phone: string) => {
        this.calls.push(`pair ${sessionId} ${phone}`);
        handlers.onPairingCode?.('K7PQ2WXZ', phone, Date.now() + 60_000);
      },
      checkContacts: async (phones: readonly string[]) =>
        phones.map((phone) => ({ phone, exists: phone.endsWith('1'), jid: phone.endsWith('1') ? `${phone}@s.whatsapp.net` : null })),
    };
  }

  async close(): Promise<void> {}
}

describe('SessionManager: restart, logout, pairing, contacts, proxies (real Redis, a test connector)', () => {
  let redis: Redis;
  let prefix: string;
  let keys: Keys;
  let storage: string;
  let sessions: SessionStore;
  let ledger: MessageLedger;
  let connector: CommandConnector;
  let manager: SessionManager;

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('cmds');
    keys = createKeys(prefix);
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-commands-'));
    sessions = new SessionStore(redis, keys);
    ledger = new MessageLedger(redis, keys);
    connector = new CommandConnector();
    manager = await managerOf(1, connector);
  });

  afterEach(async () => {
    await manager.stopAll();
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  const create = (sessionId: string, extra: Partial<Parameters<SessionStore['create']>[0]> = {}) =>
    sessions.create({ sessionId, workspaceId: 1, accountId: '1', shard: 0, ...extra });
  const statusOf = async (id: string) => (await sessions.get(id))?.status;
  const until = (id: string, status: string) => waitFor(async () => (await statusOf(id)) === status, { what: `${id} ${status}`, timeoutMs: 5_000 });
  const events = async () => (await new EventLog(redis, keys).since(1, 0, 100)).events;
  /** A second worker's manager (instance `i<n>`) over the same Redis and storage, with a connector of its own. */
  const managerOf = async (n: number, connector: SessionConnector) => {
    const instanceId = `i${n}`;
    const holder = await new Membership({ redis, keys }).register({ instanceId, url: `http://127.0.0.1:${n}`, maxSessions: 10 });
    return new SessionManager({
      instanceId,
      storagePath: storage,
      connector,
      sessions,
      ledger,
      leases: new LeaseStore(redis, keys),
      holder: () => holder,
      logger: createSilentLogger(),
      metrics: createWorkerMetrics(instanceId),
      events: new EventLog(redis, keys),
      secrets: new SessionSecrets(KEY),
      requests: new SessionRequests(redis, keys),
    });
  };

  it('restart: closes the socket and starts again under a new lease from the same state; a session not running is started', async () => {
    connector.linked.add('s1');
    await create('s1');
    await manager.start('s1');
    await until('s1', 'connected');
    const before = (await sessions.get('s1'))!.epoch;
    await manager.restartRequested('s1');
    await until('s1', 'connected');
    expect(connector.calls).to.deep.equal(['stop s1']);
    expect(connector.specs.map((spec) => spec.epoch)).to.deep.equal([before, before + 1]);
    expect(manager.isRunning('s1')).to.equal(true);

    await create('s2');
    await sessions.update('s2', { status: 'stopped' });
    await manager.restartRequested('s2');
    await until('s2', 'qr');
    await sessions.update('s2', { desired: 'stopped' });
    const starts = connector.specs.length;
    await manager.restartRequested('s2');
    expect(connector.specs.length, 'a stop asked for since wins over a late restart').to.equal(starts);
  });

  it('stop: marks the record stopped even when a reconcile closed the run first (it stops a run no longer desired without a status)', async () => {
    connector.linked.add('s6');
    await create('s6');
    await manager.start('s6');
    await until('s6', 'connected');
    await sessions.update('s6', { desired: 'stopped' });
    // The API's write of `desired: stopped` wakes the reconciler as well as queuing the stop job; the
    // reconcile won the race here, and its socket is still closing when the job comes.
    let closed: () => void = () => undefined;
    connector.closing = new Promise<void>((resolve) => (closed = resolve));
    const reconciled = manager.stop('s6', null);
    await manager.stopRequested('s6');
    closed();
    await reconciled;
    expect(await statusOf('s6')).to.equal('stopped');
    expect(connector.calls).to.deep.equal(['stop s6']);
    expect(manager.isRunning('s6')).to.equal(false);
  });

  it('restart of a run still opening fails the job (retried by BullMQ)', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow: SessionConnector = { start: async (spec, handlers) => (await gate, connector.start(spec, handlers)), close: async () => undefined };
    const other = await managerOf(2, slow);
    await create('s3');
    const starting = other.start('s3');
    await waitFor(async () => (await sessions.get('s3'))?.owner === 'i2', { what: 'lease taken' });
    let error: unknown;
    await other.restartRequested('s3').catch((caught: unknown) => (error = caught));
    expect(error).to.be.instanceOf(SessionBusyError);
    open();
    await starting;
    await other.stopAll();
  });

  it('logout of a stopped, linked session: its stored state connects just long enough to log out; the record stays, logged_out; waiting messages fail', async () => {
    connector.linked.add('s1');
    await create('s1');
    await manager.start('s1');
    await until('s1', 'connected');
    await sessions.update('s1', { desired: 'logged_out' });
    // Messages stuck in the outbox (accepted for a moment the sender did not get to).
    await manager.stop('s1', null);
    const waiting = await ledger.accept({ sessionId: 's1', to: '15550000002', content: { type: 'text', text: 'never' } });
    if (waiting.kind !== 'new') throw new Error('not accepted');
    connector.linked.add('s1');
    await manager.unlinkRequested('s1');
    expect(await sessions.get('s1')).to.deep.include({ status: 'logged_out', desired: 'logged_out', phone: undefined });
    expect(connector.calls).to.include('logout s1');
    expect(await ledger.get(waiting.record.messageId)).to.include({ status: 'failed', failedReason: 'session_logged_out' });
    const types = await waitFor(
      async () => {
        const all = (await events()).map((event) => [event.type, (event.data as { reason?: string }).reason]);
        return all.some(([type]) => type === 'session.logged_out') ? all : undefined;
      },
      { what: 'logged_out event' },
    );
    expect(types).to.deep.include.members([
      ['session.logged_out', 'api'],
      ['message.failed', 'session_logged_out'],
    ]);
    expect(await new LeaseStore(redis, keys).get('s1')).to.equal(undefined);
    expect(manager.isRunning('s1')).to.equal(false);
    await manager.unlinkRequested('s1');
    expect(await statusOf('s1'), 'a repeat is harmless').to.equal('logged_out');
  });

  it('logout of a running connected session goes through its run (unlink): logout on the socket, then logged_out', async () => {
    connector.linked.add('s4');
    await create('s4');
    await manager.start('s4');
    await until('s4', 'connected');
    await sessions.update('s4', { desired: 'logged_out' });
    await manager.unlinkRequested('s4');
    expect(connector.calls).to.deep.equal(['logout s4']);
    expect(connector.specs).to.have.length(1);
    expect(await statusOf('s4')).to.equal('logged_out');
  });

  it('logout of a session never linked (a QR only) clears its state without reaching WhatsApp; a start afterwards shows a QR again', async () => {
    await create('s5');
    await sessions.update('s5', { desired: 'logged_out', status: 'failed' });
    await manager.unlinkRequested('s5');
    expect(await statusOf('s5')).to.equal('logged_out');
    expect(connector.calls).to.deep.equal(['logout s5']);
    await sessions.update('s5', { desired: 'running' });
    expect(await manager.start('s5')).to.equal('started');
    await until('s5', 'qr');
  });

  it('pair: a run showing a QR asks its socket for a code (record and session.pairing_code event); a session not running starts with the number', async () => {
    await create('p1');
    await manager.start('p1');
    await until('p1', 'qr');
    await sessions.update('p1', { pairingPhone: '15550003333' });
    await manager.pairRequested('p1');
    expect(connector.calls).to.deep.equal(['pair p1 15550003333']);
    await waitFor(async () => (await sessions.get('p1'))?.pairingCode === 'K7PQ2WXZ', { what: 'code written' });
    const event = await waitFor(async () => (await events()).find((entry) => entry.type === 'session.pairing_code'), { what: 'pairing code event' });
    expect(event?.data).to.deep.include({ session_id: 'p1', code: 'K7PQ2WXZ', phone_number: '15550003333' });

    await create('p2', { pairingPhone: '15550004444' });
    await manager.pairRequested('p2');
    expect(connector.specs.find((spec) => spec.sessionId === 'p2')?.pairingPhone).to.equal('15550004444');
  });

  it('contacts check: a connected run answers through its socket; otherwise not_connected; a request past its deadline is dropped', async () => {
    const requests = new SessionRequests(redis, keys);
    connector.linked.add('c1');
    await create('c1');
    await manager.start('c1');
    await until('c1', 'connected');
    await requests.put('rq1', { phones: ['15550000001', '15550000002'] }, 60);
    await manager.checkContacts({ sessionId: 'c1', requestId: 'rq1', deadline: Date.now() + 10_000 });
    expect(await requests.answer<ContactCheckAnswer>('rq1')).to.deep.equal({
      results: [
        { phone: '15550000001', exists: true, jid: '15550000001@s.whatsapp.net' },
        { phone: '15550000002', exists: false, jid: null },
      ],
    });
    await requests.put('rq2', { phones: ['15550000001'] }, 60);
    await manager.checkContacts({ sessionId: 'nobody', requestId: 'rq2', deadline: Date.now() + 10_000 });
    expect(await requests.answer('rq2')).to.deep.equal({ error: 'not_connected', status: 'not_running' });
    await requests.put('rq3', { phones: ['15550000001'] }, 60);
    await manager.checkContacts({ sessionId: 'c1', requestId: 'rq3', deadline: Date.now() - 1 });
    expect(await requests.answer('rq3')).to.equal(undefined);
  });

  it('opens a sealed proxy for the connector; one sealed with another key fails the start with a clear reason', async () => {
    const url = 'socks5://alice:s3cret@127.0.0.1:1080';
    await create('x1', { proxy: new SessionSecrets(KEY).sealProxy(url, 'x1') });
    await manager.start('x1');
    expect(connector.specs.find((spec) => spec.sessionId === 'x1')?.proxyUrl).to.equal(url);
    await create('x2', { proxy: new SessionSecrets('cd'.repeat(32)).sealProxy(url, 'x2') });
    expect(await manager.start('x2')).to.equal('failed');
    const failed = await sessions.get('x2');
    expect(failed?.status).to.equal('failed');
    expect(failed?.lastError).to.match(/SESSION_SECRETS_KEY/);
    expect(failed?.lastError).to.not.contain('s3cret');
  });

  it('a proxy the connector refuses fails the session for good (proxy_refused), at start or at a connection, saying which host and why', async () => {
    const detail = 'refusing to use the proxy proxy.test: it resolves to a private address (PROXY_ALLOW does not name it)';
    const starts: string[] = [];
    // As the Baileys connector does: an address refused at start (it throws), a name refused after DNS (onFailed).
    const refusing: SessionConnector = {
      start: async (spec, handlers) => {
        starts.push(spec.sessionId);
        if (spec.sessionId === 'y1') throw new ProxyRefusedError('10.0.0.9', 'a private address');
        setImmediate(() => handlers.onFailed({ code: 0, reason: 'proxy_refused', detail }));
        return { send: async () => ({ waMessageId: 'x' }), stop: async () => undefined, logout: async () => undefined };
      },
      close: async () => undefined,
    };
    const other = await managerOf(3, refusing);
    const url = 'http://alice:s3cret@10.0.0.9:3128';
    await create('y1', { proxy: new SessionSecrets(KEY).sealProxy(url, 'y1') });
    expect(await other.start('y1'), 'not retried').to.equal('failed');
    expect(await sessions.get('y1')).to.include({
      status: 'failed',
      lastError: 'refusing to use the proxy 10.0.0.9: a private address (PROXY_ALLOW does not name it)',
    });
    expect(await other.start('y1'), 'no backoff kept for it: a new start (after a fix) runs at once').to.equal('failed');

    await create('y2', { proxy: new SessionSecrets(KEY).sealProxy(url.replace('10.0.0.9', 'proxy.test'), 'y2') });
    await other.start('y2');
    await until('y2', 'failed');
    expect((await sessions.get('y2'))?.lastError).to.equal(`proxy_refused (0): ${detail}`);
    const failures = (await events()).filter((event) => event.type === 'session.failed').map((event) => event.data);
    expect(failures).to.deep.equal([
      { session_id: 'y1', account_id: '1', code: 0, reason: 'proxy_refused' },
      { session_id: 'y1', account_id: '1', code: 0, reason: 'proxy_refused' },
      { session_id: 'y2', account_id: '1', code: 0, reason: 'proxy_refused' },
    ]);
    expect(JSON.stringify(await redis.hgetall(`${prefix}:session:y2`))).to.not.contain('s3cret');
    expect(starts).to.deep.equal(['y1', 'y1', 'y2']);
    await other.stopAll();
  });

  it('logout of a linked session whose proxy is refused, or cannot be opened, clears its state without WhatsApp (never stuck logging out, never around the proxy)', async () => {
    const starts: string[] = [];
    const refusing: SessionConnector = {
      start: async (spec) => {
        starts.push(spec.sessionId);
        throw new ProxyRefusedError('10.0.0.9', 'a private address');
      },
      close: async () => undefined,
    };
    const other = await managerOf(4, refusing);
    const url = 'http://alice:s3cret@10.0.0.9:3128';
    // Linked earlier (a phone, credentials on disk), its proxy refused now; the other's sealed with another key.
    for (const [id, secrets] of [
      ['z1', new SessionSecrets(KEY)],
      ['z2', new SessionSecrets('cd'.repeat(32))],
    ] as const) {
      await create(id, { proxy: secrets.sealProxy(url, id) });
      await sessions.update(id, { status: 'failed', phone: '15550000009', desired: 'logged_out' });
      const dir = path.join(storage, 'workspace_1', id);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'creds.json'), '{"me":{"id":"15550000009:1@s.whatsapp.net"}}');
      await other.unlinkRequested(id);
      expect(await sessions.get(id), id).to.deep.include({ status: 'logged_out', desired: 'logged_out', phone: undefined });
      expect(await readdir(dir), `${id}: only the fence is left`).to.deep.equal(['.epoch']);
    }
    expect(starts, 'never connected without its proxy').to.deep.equal(['z1']);
    await other.stopAll();
  });
});
