import { CredsPool } from '@fleet/signal-crypto';
import { DiskThreads, FileAuthState } from '../../auth-state';
import type { SessionConnector, SessionHandle, SessionHandlers, SessionSpec } from '../types';
import { BaileysSession } from './baileys-session';
import { ConnectorClosedError, SessionAlreadyRunningError } from './errors';
import { resolveConnectorOptions, type BaileysConnectorOptions, type ResolvedConnectorOptions } from './options';
import { sessionAgents, type SessionAgents } from './proxy-agents';
import { describeError, safeHandlers } from './safe-handlers';

/** How often the credentials pool checks whether the worker is idle enough to refill it. */
const CREDS_POOL_CHECK_MS = 250;

/**
 * The production `SessionConnector`: one Baileys socket per session over a fenced, file-backed
 * auth state in `spec.storageDir`.
 *
 * Close policy (see `decideOnClose`): 515 reconnects at once; 408/428/5xx/network errors reconnect
 * with exponential backoff and jitter, reporting `onDisconnected(willReconnect: true)`, and after
 * `backoff.maxAttempts` consecutive failures report `onFailed(reason: 'reconnect_exhausted')`;
 * 440 conflict reports `onFailed(440, 'conflict')` and never reconnects; 401 (or a `device_removed`
 * conflict) clears the auth state and reports `onLoggedOut`; QR refs running out before a scan (408
 * while unpaired) reports `onFailed(408, 'qr_timeout')` after `qrRounds` rounds; a moved fence
 * (another owner's epoch) reports `onFailed(409, 'stale_epoch')`.
 *
 * `start` rejects when the auth state cannot be opened (`STALE_EPOCH`, `AUTH_STATE_CORRUPT`, I/O), or
 * when the session's proxy is an address the proxy guard refuses (`PROXY_REFUSED`).
 */
export class BaileysConnector implements SessionConnector {
  private readonly options: ResolvedConnectorOptions;
  /** The auth states' file work, off the event loop. */
  private readonly disk: DiskThreads;
  /** Credentials for new sessions, made while idle. */
  private readonly creds: CredsPool;
  private readonly sessions = new Map<string, BaileysSession>();
  private closed = false;

  constructor(options: BaileysConnectorOptions) {
    this.options = resolveConnectorOptions(options);
    this.disk = new DiskThreads(this.options.diskThreads);
    this.creds = new CredsPool({ size: this.options.credsPoolSize, checkMs: CREDS_POOL_CHECK_MS });
    this.creds.start();
  }

  get credsReady(): number {
    return this.creds.available;
  }

  observeStorage(observer: (op: string, seconds: number, failed: boolean) => void): void {
    this.disk.observer = observer;
  }

  /** Number of sessions this connector currently runs. */
  get size(): number {
    return this.sessions.size;
  }

  async start(spec: SessionSpec, handlers: SessionHandlers): Promise<SessionHandle> {
    if (this.closed) throw new ConnectorClosedError();
    if (this.sessions.has(spec.sessionId)) throw new SessionAlreadyRunningError(spec.sessionId);
    // A proxy (a secret, never logged) the guard refuses fails the start here (ProxyRefusedError); its agents live as long as the session.
    const agents = spec.proxyUrl ? sessionAgents(spec.proxyUrl, this.options.proxyGuard, this.options.mediaCa) : undefined;
    try {
      return await this.startWith(spec, handlers, agents);
    } catch (error) {
      agents?.destroy();
      throw error;
    }
  }

  private async startWith(spec: SessionSpec, handlers: SessionHandlers, agents: SessionAgents | undefined): Promise<SessionHandle> {
    const logger = this.options.logger.child({ sessionId: spec.sessionId, workspaceId: spec.workspaceId, epoch: spec.epoch });
    // The store's fence callback may fire before the session exists: it reaches it through this holder.
    const holder: { session?: BaileysSession } = {};
    const store = await FileAuthState.open({
      dir: spec.storageDir,
      sessionId: spec.sessionId,
      epoch: spec.epoch,
      fsync: this.options.fsync,
      disk: this.disk,
      ...(this.options.journalMaxBytes === undefined ? {} : { journalMaxBytes: this.options.journalMaxBytes }),
      newCreds: () => this.creds.take(),
      ...(this.options.keyCache ? { cache: this.options.keyCache } : {}),
      onFenced: () => holder.session?.onFenced(),
      onCorruptKey: (type, error) => logger.warn('unreadable key file treated as missing', { type, error: describeError(error) }),
    });
    if (this.closed || this.sessions.has(spec.sessionId)) {
      await store.close();
      throw this.closed ? new ConnectorClosedError() : new SessionAlreadyRunningError(spec.sessionId);
    }
    const session: BaileysSession = new BaileysSession({
      spec,
      handlers: safeHandlers(handlers, logger),
      store,
      options: this.options,
      logger,
      ...(agents ? { agents } : {}),
      onEnded: () => {
        agents?.destroy();
        this.forget(spec.sessionId, session);
      },
    });
    holder.session = session;
    this.sessions.set(spec.sessionId, session);
    logger.info('session starting', { registered: store.isRegistered, proxyScheme: spec.proxyUrl ? new URL(spec.proxyUrl).protocol.replace(':', '') : 'none' });
    session.connect();
    return session;
  }

  /** Stops every session (clean close, state flushed and kept). Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    this.creds.close();
    const results = await Promise.allSettled([...this.sessions.values()].map((session) => session.stop()));
    for (const result of results) {
      if (result.status === 'rejected') this.options.logger.error('session did not stop cleanly', { error: describeError(result.reason) });
    }
    this.sessions.clear();
    await this.disk.close();
  }

  private forget(sessionId: string, session: BaileysSession | undefined): void {
    if (this.sessions.get(sessionId) === session) this.sessions.delete(sessionId);
  }
}
