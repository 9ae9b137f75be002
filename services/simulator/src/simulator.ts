/**
 * createSimulator(options) → a WhatsApp Web server for Baileys' `waWebSocketUrl`, with the admin API both
 * in process (the methods of this object) and over HTTP on the same port, and a media host over HTTPS on
 * its own port (`mediaPort`).
 */
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createContext, type SimContext } from './context';
import { resolveOptions, type SimulatorOptions } from './options';
import { AdminApi } from './admin/admin-api';
import { createAdminApp } from './admin/routes';
import type { StartedSimulator } from './admin/types';
import { WS_PATH, WsServer } from './connection/ws-server';
import { MediaHost } from './media/media-host';
import { MEDIA_CA_PATH } from './media/certs';

export class Simulator extends AdminApi {
  private readonly server: WsServer;
  private readonly mediaHost: MediaHost;
  private started: StartedSimulator | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: SimulatorOptions = {}) {
    const ctx: SimContext = createContext(resolveOptions(options));
    let running = (): boolean => false;
    super(ctx, () => running());
    running = () => this.started !== undefined && this.closing === undefined;
    const app = createAdminApp(this, ctx.options.logger);
    this.server = new WsServer(ctx, getRequestListener(app.fetch));
    this.mediaHost = new MediaHost(ctx);
  }

  /** Listens (port 0 = any free port) and returns the URLs to give Baileys and admin clients. */
  async start(): Promise<StartedSimulator> {
    if (this.started) return this.started;
    const { host, port, mediaPort } = this.ctx.options;
    await new Promise<void>((resolve, reject) => {
      this.server.http.once('error', reject);
      this.server.http.listen(port, host, () => {
        this.server.http.off('error', reject);
        resolve();
      });
    });
    const actualMediaPort = await this.mediaHost.listen(mediaPort, host);
    this.server.startSweep();
    this.ctx.identities.start();
    const actualPort = (this.server.http.address() as AddressInfo).port;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    // a wildcard listen address is no name for clients: media URLs then name the loopback address
    const mediaHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHost;
    this.ctx.media.hostname = `${mediaHost}:${actualMediaPort}`;
    this.started = {
      wsUrl: `ws://${urlHost}:${actualPort}${WS_PATH}`,
      adminUrl: `http://${urlHost}:${actualPort}/admin`,
      port: actualPort,
      mediaUrl: `https://${this.ctx.media.hostname}`,
      mediaPort: actualMediaPort,
      mediaCaPath: MEDIA_CA_PATH,
    };
    this.ctx.options.logger.info('simulator listening', { ...this.started });
    return this.started;
  }

  /** Closes every socket and the HTTP server. Safe to call twice (or before start). */
  close(): Promise<void> {
    this.ctx.identities.close();
    if (!this.closing) {
      this.closing = this.started ? Promise.all([this.server.close(), this.mediaHost.close()]).then(() => this.ctx.media.store.clear()) : Promise.resolve();
    }
    return this.closing;
  }

  get urls(): StartedSimulator | undefined {
    return this.started;
  }
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  return new Simulator(options);
}
