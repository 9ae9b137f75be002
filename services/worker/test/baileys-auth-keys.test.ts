import path from 'node:path';
import { expect } from 'chai';
import makeWASocket, { initAuthCreds, type SignalKeyStoreWithTransaction } from 'baileys';
import { createSilentLogger } from '@fleet/logger';
import { FileAuthState, KeyCache } from '../src/auth-state';
import { useStoreTransactions } from '../src/connector/baileys/auth-keys';
import { createBaileysLogger } from '../src/connector/baileys/baileys-logger';
import { endSocket } from '../src/connector/baileys/socket-close';
import { makeTempDir, removeTempDir } from './auth-state-helpers';

/**
 * Baileys' key-store transactions (addTransactionCapability) drop the writes of a transaction that
 * starts and ends while another one commits: the lost write is a Signal session, so the next message
 * reuses a chain counter. The socket's keys are routed through the store's own transactions instead.
 */
describe('baileys auth keys: transactions that overlap a commit keep every write', function () {
  this.timeout(20_000);
  let root: string;

  before(async () => {
    root = await makeTempDir('fleet-auth-keys-');
  });

  after(async () => {
    await removeTempDir(root);
  });

  async function socketOver(store: FileAuthState): Promise<ReturnType<typeof makeWASocket>> {
    // Nothing listens there: the socket never connects, only its key store is exercised.
    return makeWASocket({
      auth: store.state,
      logger: createBaileysLogger(createSilentLogger()) as never,
      waWebSocketUrl: 'ws://127.0.0.1:9/ws',
      connectTimeoutMs: 1_000,
    });
  }

  async function overlapDuringCommit(keys: SignalKeyStoreWithTransaction): Promise<void> {
    const first = keys.transaction(async () => {
      await keys.set({ session: { 'peer-a.0': Buffer.from('first') } });
    });
    // While the first commits (its write is on the disk thread), a second transaction runs entirely.
    await new Promise((resolve) => setImmediate(resolve));
    await keys.transaction(async () => {
      await keys.set({ session: { 'peer-b.0': Buffer.from('second') } });
    });
    await first;
  }

  async function storedSession(dir: string, id: string): Promise<unknown> {
    const reopened = await FileAuthState.open({ dir, sessionId: 'keys', epoch: 1, fsync: false, cache: new KeyCache() });
    const found = await reopened.state.keys.get('session', [id]);
    await reopened.close();
    return found[id];
  }

  it('with the store transactions: both writes are readable and on disk', async () => {
    const dir = path.join(root, 'store');
    const store = await FileAuthState.open({ dir, sessionId: 'keys', epoch: 1, fsync: true, cache: new KeyCache() });
    const sock = await socketOver(store);
    try {
      expect(useStoreTransactions(sock, store)).to.equal(true);
      await overlapDuringCommit(sock.authState.keys);
      const read = await sock.authState.keys.get('session', ['peer-a.0', 'peer-b.0']);
      expect(Object.keys(read).sort()).to.deep.equal(['peer-a.0', 'peer-b.0']);
      await store.close();
      expect(await storedSession(dir, 'peer-b.0')).to.not.equal(undefined);
    } finally {
      await endSocket(sock, 1_000);
    }
  });

  it("Baileys' own transactions lose the second write (why they are replaced)", async () => {
    // A key store whose first write is held until the test lets it go: the first transaction's commit
    // is then in progress for as long as the test wants, and the second runs entirely inside it.
    const stored = new Map<string, unknown>();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let writes = 0;
    const keys = {
      get: async (type: string, ids: string[]) =>
        Object.fromEntries(ids.flatMap((id) => (stored.has(`${type}/${id}`) ? [[id, stored.get(`${type}/${id}`)]] : []))),
      set: async (data: Record<string, Record<string, unknown>>) => {
        // What is written is read when the write is called (as any store that starts its I/O then).
        const entries = Object.entries(data).flatMap(([type, byId]) => Object.entries(byId).map(([id, value]) => [`${type}/${id}`, value] as const));
        if (writes++ === 0) await held;
        for (const [key, value] of entries) stored.set(key, value);
      },
    };
    const sock = makeWASocket({
      auth: { creds: initAuthCreds(), keys } as never,
      logger: createBaileysLogger(createSilentLogger()) as never,
      waWebSocketUrl: 'ws://127.0.0.1:9/ws',
      connectTimeoutMs: 1_000,
    });
    try {
      const tx = sock.authState.keys;
      const first = tx.transaction(async () => {
        await tx.set({ session: { 'peer-a.0': Buffer.from('first') } });
      });
      while (writes === 0) await new Promise((resolve) => setImmediate(resolve));
      await tx.transaction(async () => {
        await tx.set({ session: { 'peer-b.0': Buffer.from('second') } });
      });
      release();
      await first;
      expect([...stored.keys()]).to.deep.equal(['session/peer-a.0']);
    } finally {
      await endSocket(sock, 1_000);
    }
  });

  it('writes a transaction that throws (an advanced Signal state is never discarded)', async () => {
    const dir = path.join(root, 'throws');
    const store = await FileAuthState.open({ dir, sessionId: 'keys', epoch: 1, fsync: false, cache: new KeyCache() });
    const failed = store.transaction(async () => {
      await store.state.keys.set({ session: { 'peer-c.0': Buffer.from('advanced') } });
      throw new Error('the send failed after encrypting');
    });
    await failed.then(
      () => expect.fail('should reject'),
      (error: Error) => expect(error.message).to.include('after encrypting'),
    );
    await store.close();
    expect(await storedSession(dir, 'peer-c.0')).to.not.equal(undefined);
  });
});
