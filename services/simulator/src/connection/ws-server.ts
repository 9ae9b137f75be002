/**
 * The HTTP server: `/ws/chat` upgrades to a WhatsApp Web socket, everything else goes to the admin app.
 * Also owns the shared housekeeping sweep (handshake timeouts), so sockets carry no timers of their own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SimContext } from '../context';
import { Connection, type ConnectionHooks } from './connection';
import { handleClientPayload } from '../protocol/login';
import { routeNode } from '../protocol/router';

export const WS_PATH = '/ws/chat';

export class WsServer {
  readonly connections = new Map<number, Connection>();
  readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  private nextId = 1;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly hooks: ConnectionHooks;

  constructor(
    private readonly ctx: SimContext,
    httpHandler: (req: IncomingMessage, res: ServerResponse) => void,
  ) {
    this.http = createServer(httpHandler);
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.hooks = {
      onPayload: (connection, key, payload) => handleClientPayload(ctx, connection, key, payload),
      onNode: (connection, node) => routeNode(ctx, connection, node),
      onClose: (connection) => this.forget(connection),
    };
  }

  startSweep(): void {
    this.sweepTimer = setInterval(() => this.sweep(), this.ctx.options.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const connection of this.connections.values()) connection.drop();
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    const connection = new Connection(this.nextId++, ws, this.ctx, this.hooks);
    this.connections.set(connection.id, connection);
    this.ctx.counters.socketsOpen += 1;
    this.ctx.counters.socketsTotal += 1;
  }

  /** Idempotent: called when a socket is terminated and again when it closes. */
  private forget(connection: Connection): void {
    if (connection.account) connection.account.detach(connection);
    if (connection.registration) this.ctx.registry.removePending(connection.registration);
    if (connection.state === 'closed' && this.connections.delete(connection.id)) this.ctx.counters.socketsOpen -= 1;
  }

  /**
   * Drops sockets stuck in the handshake or login, and registering sockets whose QR refs have all expired
   * (the client gives up on its own with 408 by then; this covers clients that vanish).
   */
  private sweep(): void {
    const now = Date.now();
    const handshakeDeadline = now - this.ctx.options.handshakeTimeoutMs;
    const qrDeadline = now - qrLifetimeMs(this.ctx.options.qrRefs);
    for (const connection of this.connections.values()) {
      if (connection.state === 'authenticated' || connection.state === 'closed') continue;
      if (connection.registration) {
        if (connection.registration.createdAt < qrDeadline && !connection.registration.scanned) connection.drop();
      } else if (connection.openedAt < handshakeDeadline) {
        this.ctx.counters.handshakeFailures += 1;
        connection.drop();
      }
    }
  }
}

/** The client shows the first ref 60 s and each later one 20 s; allow 10 s of slack. */
function qrLifetimeMs(refs: number): number {
  return 60_000 + Math.max(0, refs - 1) * 20_000 + 10_000;
}
