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
import { createWorkerMetrics, SessionManager, type SessionConnector } from '../src';

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

describe('SessionManager.start: MAX_SESSIONS_PER_INSTANCE counts each session once', () => {
  let redis: Redis;
  let prefix: string;
  let storage: string;

  beforeEach(async () => {
    redis = testRedis();
    prefix = freshPrefix('start');
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-start-'));
  });

  afterEach(async () => {
    await cleanPrefix(redis, prefix);
    redis.disconnect();
    await rm(storage, { recursive: true, force: true });
  });

  it('starts arriving while others are still opening their sockets are not refused as full', async () => {
    const keys = createKeys(prefix);
    const sessions = new SessionStore(redis, keys);
    const holder = await new Membership({ redis, keys }).register({ instanceId: 'i1', url: 'http://127.0.0.1:1', maxSessions: 6 });
    const { connector, open, pending } = gatedConnector();
    const manager = new SessionManager({
      instanceId: 'i1', storagePath: storage, connector, sessions, messages: new MessageStore(redis, keys), leases: new LeaseStore(redis, keys),
      maxSessions: 6, holder: () => holder, logger: createSilentLogger(), metrics: createWorkerMetrics('i1'),
    });
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
