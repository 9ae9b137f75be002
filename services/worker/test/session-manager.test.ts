import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { Membership } from '@fleet/cluster';
import { createKeys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { EventLog } from '@fleet/events';
import { MessageLedger } from '@fleet/messages';
import { LeaseStore, SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis, waitFor } from '@fleet/testing';
import { createWorkerMetrics, SessionManager, type SessionConnector, type SessionHandlers, type SessionSpec } from '../src';

interface WireOptions {
  /** How long each write takes. */
  readonly sendMs?: number;
  /** Whether the server acks what is written (a silent server never does). */
  readonly acks?: boolean;
  /** Whether the session is connected as soon as it starts (else call `connect()`). */
  readonly connectAtOnce?: boolean;
}

/** A stand-in for a socket: records every write, its order and how many overlapped; acks or stays silent. */
function recordingConnector(options: WireOptions = {}): {
  connector: SessionConnector;
  writes: string[];
  maxOverlap: () => number;
  connect: () => void;
} {
  const writes: string[] = [];
  let inFlight = 0;
  let overlap = 0;
  let handlersOf: SessionHandlers | undefined;
  const connector: SessionConnector = {
    async start(_spec: SessionSpec, handlers: SessionHandlers) {
      handlersOf = handlers;
      if (options.connectAtOnce ?? true) setImmediate(() => handlers.onConnected({ phone: '15550000001' }));
      return {
        send: async (message) => {
          inFlight += 1;
          overlap = Math.max(overlap, inFlight);
          writes.push(message.messageId);
          await new Promise((resolve) => setTimeout(resolve, options.sendMs ?? 0));
          inFlight -= 1;
          if (options.acks ?? true) setImmediate(() => handlers.onMessageStatus(message.messageId, 'sent'));
          return { waMessageId: message.messageId };
        },
        stop: async () => undefined,
        logout: async () => undefined,
      };
    },
    close: async () => undefined,
  };
  return { connector, writes, maxOverlap: () => overlap, connect: () => handlersOf?.onConnected({ phone: '15550000001' }) };
}

/** A connector whose starts wait until `open()` is called: sockets still being opened. */
function gatedConnector(): { connector: SessionConnector; open: () => void; pending: () => number } {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let pending = 0;
  const connector: SessionConnector = {
    async start() {
      pending += 1;
      await gate;
      return { send: async () => ({ waMessageId: 'x' }), stop: async () => undefined, logout: async () => undefined };
    },
    close: async () => undefined,
  };
  return { connector, open: release, pending: () => pending };
}

describe('SessionManager (real Redis, test connectors)', () => {
  let redis: Redis;
  let prefix: string;
  let storage: string;
  let sessions: SessionStore;
  let ledger: MessageLedger;

  /** A manager registered as worker `i1` over `connector`. */
  async function managerWith(
    connector: SessionConnector,
    maxSessions?: number,
    sendPolicy?: { ackTimeoutMs?: number; maxAttempts?: number; burst?: number; ratePerSecond?: number },
  ): Promise<SessionManager> {
    const keys = createKeys(prefix);
    const holder = await new Membership({ redis, keys }).register({ instanceId: 'i1', url: 'http://127.0.0.1:1', maxSessions: maxSessions ?? 10 });
    return new SessionManager({
      instanceId: 'i1',
      storagePath: storage,
      connector,
      sessions,
      ledger,
      leases: new LeaseStore(redis, keys),
      ...(maxSessions === undefined ? {} : { maxSessions }),
      ...(sendPolicy ? { sendPolicy } : {}),
      holder: () => holder,
      logger: createSilentLogger(),
      metrics: createWorkerMetrics('i1'),
      events: new EventLog(redis, keys),
    });
  }

  /** Accepts `count` messages for `s1` and returns their ids, in acceptance order. */
  async function acceptMany(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const accepted = await ledger.accept({ sessionId: 's1', to: '15550000002', content: { type: 'text', text: `message ${i}` } });
      if (accepted.kind !== 'new') throw new Error(`not accepted: ${accepted.kind}`);
      ids.push(accepted.record.messageId);
    }
    return ids;
  }

  const wakeAll = (manager: SessionManager, ids: readonly string[]) => ids.forEach((messageId) => manager.wake({ sessionId: 's1', workspaceId: 1, messageId }));

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('manager');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-manager-'));
    sessions = new SessionStore(redis, createKeys(prefix));
    ledger = new MessageLedger(redis, createKeys(prefix));
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  it('sends a burst of 20 from one session one at a time, in the order they were accepted', async () => {
    const { connector, writes, maxOverlap } = recordingConnector({ sendMs: 5 });
    const manager = await managerWith(connector);
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await manager.start('s1')).to.equal('started');
    await waitFor(async () => (await sessions.get('s1'))?.status === 'connected', { what: 'connected' });
    const ids = await acceptMany(20);
    // The shard consumer runs up to SHARD_CONCURRENCY wake-up jobs at once, in any order.
    wakeAll(manager, [...ids].reverse());
    await waitFor(async () => (await Promise.all(ids.map((id) => ledger.get(id)))).every((m) => m?.status === 'sent'), { what: 'all sent' });
    expect(writes).to.deep.equal(ids);
    expect(maxOverlap()).to.equal(1);
  });

  it('claims once for a message that empties the outbox, and still sends one accepted while a claim runs', async () => {
    const { connector, writes } = recordingConnector({ sendMs: 20 });
    const manager = await managerWith(connector);
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await manager.start('s1')).to.equal('started');
    await waitFor(async () => (await sessions.get('s1'))?.status === 'connected', { what: 'connected' });
    let claims = 0;
    const claim = ledger.claim.bind(ledger);
    ledger.claim = async (...args) => {
      claims += 1;
      return claim(...args);
    };
    const [first] = await acceptMany(1);
    wakeAll(manager, [first!]);
    await waitFor(async () => (await ledger.get(first!))?.status === 'sent', { what: 'sent' });
    expect(claims, 'no second claim to find the outbox empty').to.equal(1);
    // A message accepted while the first of two is being written: its wake-up comes during the drain.
    const [second] = await acceptMany(1);
    wakeAll(manager, [second!]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [third] = await acceptMany(1);
    wakeAll(manager, [third!]);
    await waitFor(async () => (await ledger.get(third!))?.status === 'sent', { what: 'the third sent' });
    expect(writes).to.deep.equal([first, second, third]);
  });

  it('sends every message of a burst on the one wake-up of the first (the ingress adds no job behind a waiting message)', async () => {
    const { connector, writes } = recordingConnector({ sendMs: 2 });
    const manager = await managerWith(connector);
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await manager.start('s1')).to.equal('started');
    await waitFor(async () => (await sessions.get('s1'))?.status === 'connected', { what: 'connected' });
    const ids = await acceptMany(12);
    wakeAll(manager, [ids[0]!]);
    await waitFor(async () => (await Promise.all(ids.map((id) => ledger.get(id)))).every((m) => m?.status === 'sent'), { what: 'all sent' });
    expect(writes).to.deep.equal(ids);
  });

  it("paces a session's sends: a burst at once, then the rate; the rest wait in the outbox, in order", async function () {
    this.timeout(30_000);
    const { connector, writes } = recordingConnector();
    const times: number[] = [];
    const timed: SessionConnector = {
      ...connector,
      async start(spec, handlers) {
        const handle = await connector.start(spec, handlers);
        return { ...handle, send: async (message) => (times.push(Date.now()), handle.send(message)) };
      },
    };
    const manager = await managerWith(timed, 10, { burst: 3, ratePerSecond: 10 });
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await manager.start('s1')).to.equal('started');
    await waitFor(async () => (await sessions.get('s1'))?.status === 'connected', { what: 'connected' });
    const ids = await acceptMany(13);
    wakeAll(manager, ids);
    await waitFor(async () => writes.length >= 3, { what: 'the burst' });
    // Beyond the burst, messages are not even claimed: they wait in the outbox.
    expect((await ledger.get(ids[12]!))?.status).to.equal('queued');
    expect((await ledger.waiting('s1')).queued).to.be.greaterThan(0);
    await waitFor(async () => (await Promise.all(ids.map((id) => ledger.get(id)))).every((m) => m?.status === 'sent'), { what: 'all sent', timeoutMs: 20_000 });
    expect(writes).to.deep.equal(ids);
    // Message k (from 0) beyond the burst of 3 waits for k - 2 tokens at 10 a second: at least (k - 2) × 100 ms after the first.
    const late = times.map((at, k) => ({ k, after: at - times[0]!, least: Math.max(0, (k - 2) * 100) })).filter(({ after, least }) => after < least - 5);
    expect(late, 'writes earlier than the pace allows').to.deep.equal([]);
    expect(times[12]! - times[0]!).to.be.at.least(995);
  });

  it('keeps messages accepted while disconnected and sends them, in order, once connected', async () => {
    const { connector, writes, connect } = recordingConnector({ connectAtOnce: false });
    const manager = await managerWith(connector);
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await manager.start('s1')).to.equal('started');
    const ids = await acceptMany(5);
    wakeAll(manager, ids);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(writes).to.deep.equal([]);
    connect();
    await waitFor(async () => writes.length === 5, { what: 'five writes' });
    expect(writes).to.deep.equal(ids);
  });

  it('writes a message with no server ack again under the same id, then fails it with a message.failed event', async () => {
    const { connector, writes } = recordingConnector({ acks: false });
    const manager = await managerWith(connector, 10, { ackTimeoutMs: 150, maxAttempts: 2 });
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    await manager.start('s1');
    await waitFor(async () => (await sessions.get('s1'))?.status === 'connected', { what: 'connected' });
    const [id] = await acceptMany(1);
    wakeAll(manager, [id!]);
    for (let i = 0; i < 10 && (await ledger.get(id!))?.status !== 'failed'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await manager.sweepAcks();
    }
    expect(await ledger.get(id!)).to.include({ status: 'failed', failedReason: 'no_server_ack', attempts: 2 });
    expect(writes).to.deep.equal([id, id]);
    const events = (await new EventLog(redis, createKeys(prefix)).since(1, 0, 100)).events.filter((e) => e.type.startsWith('message.'));
    expect(events.map((e) => [e.type, (e.data as { reason?: string }).reason])).to.deep.equal([['message.failed', 'no_server_ack']]);
  });

  it('ignores jobs of an earlier session under the same id (deleted, then created again)', async () => {
    const { connector } = recordingConnector();
    const manager = await managerWith(connector);
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    const current = (await sessions.get('s1'))!;
    await manager.logout('s1', 'an-earlier-incarnation');
    expect(await sessions.get('s1')).to.deep.include({ sessionId: 's1', incarnation: current.incarnation });
    expect(await manager.start('s1', 'an-earlier-incarnation')).to.equal('unwanted');
    expect(await manager.start('s1', current.incarnation)).to.equal('started');
  });

  it('starts arriving while others are still opening their sockets are not refused as full (MAX_SESSIONS_PER_INSTANCE counts each once)', async () => {
    const { connector, open, pending } = gatedConnector();
    const manager = await managerWith(connector, 6);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    for (const [i, id] of ids.entries()) await sessions.create({ sessionId: id, workspaceId: i + 1, accountId: '1', shard: 0 });
    const first = ['a', 'b', 'c'].map((id) => manager.start(id));
    await waitFor(async () => pending() === 3, { what: 'three sockets opening' });
    const second = ['d', 'e', 'f'].map((id) => manager.start(id));
    await waitFor(async () => pending() === 6, { what: 'six sockets opening' });
    // The seventh is over the limit of six.
    expect(await manager.start('g')).to.equal('full');
    open();
    expect(await Promise.all([...first, ...second])).to.deep.equal(['started', 'started', 'started', 'started', 'started', 'started']);
    expect(manager.size).to.equal(6);
  });
});
