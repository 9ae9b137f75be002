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

describe('SessionManager.send: one write per message while an attempt is in flight', () => {
  let redis: Redis;
  let prefix: string;
  let storage: string;

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('send');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-send-'));
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  it('a re-run of the same job during a slow send (its queue lock lapsed) waits for the first attempt instead of writing again', async () => {
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    const messages = new MessageStore(redis, keys);
    const holder = await new Membership({ redis, keys }).register({ instanceId: 'i1', url: 'http://127.0.0.1:1', maxSessions: 10 });
    const { connector, writes } = slowConnector(300);
    const manager = new SessionManager({
      instanceId: 'i1', storagePath: storage, connector, sessions, messages, leases: new LeaseStore(redis, keys),
      holder: () => holder, logger: createSilentLogger(), metrics: createWorkerMetrics('i1'),
    });
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
});
