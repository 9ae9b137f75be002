import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { createSilentLogger } from '@fleet/logger';
import { FileAuthState, KeyCache } from '../src/auth-state';
import { BaileysConnector } from '../src/connector/baileys';
import type { DisconnectInfo, SessionHandlers, SessionSpec } from '../src/connector/types';
import { makeTempDir, rejectionOf, removeTempDir } from './auth-state-helpers';

/** A TCP server that accepts every connection and drops it at once: WhatsApp unreachable. */
async function startDroppingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws/chat`,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function recordingHandlers() {
  const events: string[] = [];
  const disconnects: DisconnectInfo[] = [];
  const failures: Array<{ code: number; reason: string }> = [];
  let onFailure: (() => void) | undefined;
  const handlers: SessionHandlers = {
    onQr: () => events.push('qr'),
    onConnected: () => events.push('connected'),
    onDisconnected: (info) => {
      events.push('disconnected');
      disconnects.push(info);
    },
    onLoggedOut: () => events.push('logged-out'),
    onFailed: (info) => {
      events.push('failed');
      failures.push(info);
      onFailure?.();
    },
    onMessageStatus: () => events.push('status'),
    onIncomingMessage: () => events.push('incoming'),
  };
  const failed = new Promise<void>((resolve) => (onFailure = resolve));
  return { handlers, events, disconnects, failures, failed };
}

describe('baileys-connector: lifecycle without WhatsApp', function () {
  this.timeout(20_000);
  let root: string;
  let server: Awaited<ReturnType<typeof startDroppingServer>>;
  let connector: BaileysConnector;

  const spec = (epoch = 1): SessionSpec => ({
    sessionId: 's1',
    workspaceId: 3,
    accountId: 'acc',
    epoch,
    storageDir: path.join(root, 'workspace_3', 's1'),
  });

  beforeEach(async () => {
    root = await makeTempDir('fleet-connector-');
    server = await startDroppingServer();
    connector = new BaileysConnector({
      logger: createSilentLogger(),
      waWebSocketUrl: server.url,
      connectTimeoutMs: 2_000,
      backoff: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 3 },
      fsync: false,
      keyCache: new KeyCache(),
    });
  });

  afterEach(async () => {
    await connector.close();
    await server.close();
    await removeTempDir(root);
  });

  it('reconnects with backoff while the server drops it, then fails with reconnect_exhausted', async () => {
    const run = recordingHandlers();
    await connector.start(spec(), run.handlers);
    await run.failed;
    expect(run.events).to.deep.equal(['disconnected', 'disconnected', 'disconnected', 'failed']);
    expect(run.disconnects.every((info) => info.willReconnect)).to.equal(true);
    expect(run.failures[0]?.reason).to.equal('reconnect_exhausted');
    expect(server.connections()).to.equal(4);
    expect(connector.size).to.equal(0);
  });

  it('stops cleanly while waiting to reconnect, and opens no socket afterwards', async () => {
    const run = recordingHandlers();
    const slow = new BaileysConnector({
      logger: createSilentLogger(),
      waWebSocketUrl: server.url,
      backoff: { initialDelayMs: 500, maxDelayMs: 500, maxAttempts: 5 },
      fsync: false,
    });
    const handle = await slow.start(spec(), run.handlers);
    while (run.events.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await handle.stop();
    const seen = server.connections();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(server.connections()).to.equal(seen);
    expect(run.events).to.deep.equal(['disconnected']);
    expect(slow.size).to.equal(0);
    await slow.close();
  });

  it('refuses a second start of the same session and a start under a stale epoch', async () => {
    const run = recordingHandlers();
    await connector.start(spec(2), run.handlers);
    expect((await rejectionOf(connector.start(spec(2), run.handlers))).code).to.equal('SESSION_ALREADY_RUNNING');
    await connector.close();

    const other = new BaileysConnector({ logger: createSilentLogger(), waWebSocketUrl: server.url, fsync: false });
    expect((await rejectionOf(other.start(spec(1), recordingHandlers().handlers))).code).to.equal('STALE_EPOCH');
    expect((await rejectionOf(connector.start(spec(3), run.handlers))).code).to.equal('CONNECTOR_CLOSED');
    await other.close();
  });

  it('fails with stale_epoch and closes the socket when a newer owner raises the fence', async () => {
    const run = recordingHandlers();
    const handle = await connector.start(spec(1), run.handlers);
    await FileAuthState.open({ dir: spec().storageDir, sessionId: 's1', epoch: 2 });
    const sendError = await rejectionOf(handle.send({ messageId: 'm1', to: '15550001111', content: { type: 'text', text: 'x' } }));
    expect(sendError.code).to.equal('SESSION_NOT_CONNECTED');
    await run.failed;
    expect(run.failures[0]).to.deep.equal({ code: 409, reason: 'stale_epoch' });
  });
});
