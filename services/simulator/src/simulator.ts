/**
 * createSimulator(options) → a WhatsApp Web server for Baileys' `waWebSocketUrl`, with the admin API both
 * in process (the methods of this object) and over HTTP on the same port.
 */
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { createContext, type SimContext } from './context'
import { resolveOptions, type SimulatorOptions } from './options'
import { AdminApi } from './admin/admin-api'
import { createAdminApp } from './admin/routes'
import type { StartedSimulator } from './admin/types'
import { WS_PATH, WsServer } from './connection/ws-server'

export class Simulator extends AdminApi {
  private readonly server: WsServer
  private started: StartedSimulator | undefined
  private closing: Promise<void> | undefined

  constructor(options: SimulatorOptions = {}) {
    const ctx: SimContext = createContext(resolveOptions(options))
    let running = (): boolean => false
    super(ctx, () => running())
    running = () => this.started !== undefined && this.closing === undefined
    const app = createAdminApp(this, ctx.options.logger)
    this.server = new WsServer(ctx, getRequestListener(app.fetch))
  }

  /** Listens (port 0 = any free port) and returns the URLs to give Baileys and admin clients. */
  async start(): Promise<StartedSimulator> {
    if (this.started) return this.started
    const { host, port } = this.ctx.options
    await new Promise<void>((resolve, reject) => {
      this.server.http.once('error', reject)
      this.server.http.listen(port, host, () => {
        this.server.http.off('error', reject)
        resolve()
      })
    })
    this.server.startSweep()
    this.ctx.identities.start()
    const actualPort = (this.server.http.address() as AddressInfo).port
    const urlHost = host.includes(':') ? `[${host}]` : host
    this.started = {
      wsUrl: `ws://${urlHost}:${actualPort}${WS_PATH}`,
      adminUrl: `http://${urlHost}:${actualPort}/admin`,
      port: actualPort,
    }
    this.ctx.options.logger.info('simulator listening', { ...this.started })
    return this.started
  }

  /** Closes every socket and the HTTP server. Safe to call twice (or before start). */
  close(): Promise<void> {
    this.ctx.identities.close()
    if (!this.closing) this.closing = this.started ? this.server.close() : Promise.resolve()
    return this.closing
  }

  get urls(): StartedSimulator | undefined {
    return this.started
  }
}

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  return new Simulator(options)
}
