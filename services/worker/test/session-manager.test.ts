import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { Membership } from '@fleet/cluster';
import { createKeys } from '@fleet/keys';
import { createSilentLogger } from '@fleet/logger';
import { LeaseStore, MessageStore, SessionStore } from '@fleet/state';
import { cleanPrefix, freshPrefix, testRedis, waitFor } from '@fleet/testing';
import { createWorkerMetrics, SessionManager, type SessionConnector, type SessionHandlers, type SessionSpec } from '../src';

/** A connector whose sends take `sendMs` and are counted: a stand-in for a slow socket write. */
function slowConnector(sendMs: number): { connector: SessionConnector; writes: string[] } {
  const writes: string[] = [];
  const connector: SessionConnector = {
    async start(_spec: SessionSpec, handlers: SessionHandlers) {
      setImmediate(() => handlers.onConnected({ phone: '15550000001' }));
      return {
        sendText: async (message) => {
          writes.push(message.messageId);
          await new Promise((resolve) => setTimeout(resolve, sendMs));
          return { waMessageId: message.messageId };
        },
        stop: async () => undefined,
        logout: async () => undefined,
      };
    },
    close: async () => undefined,
  };
  return { connector, writes };
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
      return { sendText: async () => ({ waMessageId: 'x' }), stop: async () => undefined, logout: async () => undefined };
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
  let messages: MessageStore;

  /** A manager registered as worker `i1` over `connector`. */
  async function managerWith(connector: SessionConnector, maxSessions?: number): Promise<SessionManager> {
    const keys = createKeys(prefix);
    const holder = await new Membership({ redis, keys }).register({ instanceId: 'i1', url: 'http://127.0.0.1:1', maxSessions: maxSessions ?? 10 });
    return new SessionManager({
      instanceId: 'i1', storagePath: storage, connector, sessions, messages, leases: new LeaseStore(redis, keys),
      ...(maxSessions === undefined ? {} : { maxSessions }),
      holder: () => holder, logger: createSilentLogger(), metrics: createWorkerMetrics('i1'),
    });
  }

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('manager');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-manager-'));
    sessions = new SessionStore(redis, createKeys(prefix));
    messages = new MessageStore(redis, createKeys(prefix));
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  it('a re-run of the same job during a slow send (its queue lock lapsed) waits for the first attempt instead of writing again', async () => {
    const { connector, writes } = slowConnector(300);
    const manager = await managerWith(connector);
    await sessions.create({ sessionId: 's1', workspaceId: 1, accountId: '1', shard: 0 });
    expect(await manager.start('s1')).to.equal('started');
    await waitFor(async () => (await sessions.get('s1'))?.status === 'connected', { what: 'connected' });
    const accepted = await messages.accept({ sessionId: 's1', to: '15550000002', text: 'once' });
    if (accepted.kind !== 'new') throw new Error(`not accepted: ${accepted.kind}`);
    const job = { messageId: accepted.record.messageId, sessionId: 's1', workspaceId: 1, to: '15550000002', text: 'once' };
    await Promise.all([manager.send(job), manager.send(job), manager.send(job)]);
    expect(writes).to.deep.equal([job.messageId]);
    // Once that attempt is over, a later re-run is a new attempt (at least once until the server acks).
    await manager.send(job);
    expect(writes).to.have.length(2);
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
