import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import makeWASocket from 'baileys';
import { createSilentLogger } from '@fleet/logger';
import { FileAuthState, KeyCache } from '../src/auth-state';
import { installBaileysPatches, installedBaileysVersion, PINNED_BAILEYS_VERSION } from '../src/connector/baileys';
import { useStoreTransactions } from '../src/connector/baileys/auth-keys';
import { createBaileysLogger } from '../src/connector/baileys/baileys-logger';
import { gateFrames } from '../src/connector/baileys/frame-gate';
import { endSocket } from '../src/connector/baileys/socket-close';
import { makeTempDir, removeTempDir } from './auth-state-helpers';

/**
 * Fleet patches Baileys' and libsignal's internals (fast curve and HKDF, lazy timeouts, the rejection
 * guard, and per socket its key-store transactions and frame writes). Each was written against one
 * Baileys version: an upgrade must fail here first, so that every patch is checked again.
 */
describe('patches of third-party code: the pinned Baileys, every patch applied', () => {
  it('the installed Baileys is the pinned version, and package.json pins exactly it', () => {
    expect(installedBaileysVersion()).to.equal(PINNED_BAILEYS_VERSION);
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['baileys']).to.equal(PINNED_BAILEYS_VERSION);
  });

  it('installs every process-wide patch once and reports each as applied', async () => {
    const report = await installBaileysPatches(createSilentLogger());
    expect(report).to.deep.equal({
      baileys: { version: PINNED_BAILEYS_VERSION, pinned: true },
      fastCurve: { x25519: true, xeddsa: true },
      fastHkdf: true,
      lazyTimeouts: true,
      rejectionGuard: true,
    });
    expect(await installBaileysPatches(createSilentLogger())).to.equal(report);
  });

  it('a socket of this Baileys takes the per-socket patches (store transactions, frame gate)', async () => {
    const dir = await makeTempDir('fleet-patches-');
    const store = await FileAuthState.open({ dir: path.join(dir, 's'), sessionId: 's', epoch: 1, fsync: false, cache: new KeyCache() });
    const sock = makeWASocket({
      auth: store.state,
      logger: createBaileysLogger(createSilentLogger()) as never,
      waWebSocketUrl: 'ws://127.0.0.1:9/ws',
      connectTimeoutMs: 1_000,
    });
    try {
      expect(useStoreTransactions(sock, store)).to.equal(true);
      expect(gateFrames(sock, store, () => undefined)).to.equal(true);
    } finally {
      await endSocket(sock, 1_000);
      await store.close();
      await removeTempDir(dir);
    }
  });
});
