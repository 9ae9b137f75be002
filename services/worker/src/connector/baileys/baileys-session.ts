import type { ConnectionState, WASocket } from 'baileys';
import type { Logger } from '@fleet/logger';
import type { FileAuthState } from '../../auth-state';
import type { ContactCheck, OutgoingMessage, SessionHandle, SessionHandlers, SessionSpec } from '../types';
import { useStoreTransactions } from './auth-keys';
import { backoffDelay } from './backoff';
import { createBaileysLogger, type BaileysLogger } from './baileys-logger';
import { conflictTypeOf, decideOnClose, statusCodeOf, type CloseDecision } from './close-policy';
import { SessionNotConnectedError } from './errors';
import { gateFrames } from './frame-gate';
import { phoneFromMeId } from './message-mapping';
import type { ResolvedConnectorOptions } from './options';
import { describeError } from './safe-handlers';
import { endSocket, ignoreLateSocketErrors } from './socket-close';
import { checkContacts } from './contacts';
import type { SessionAgents } from './proxy-agents';
import { FIRST_QR_TTL_MS, isLinked, NEXT_QR_TTL_MS, PairingLink, type RegistrationState } from './pairing-link';
import { SessionMessages } from './session-messages';
import { createSocket } from './socket-factory';

type Phase = 'connecting' | 'open' | 'waiting' | 'stopped' | 'logging-out' | 'failed' | 'logged-out';

/** What one socket has shown: its registration (QRs, refs, a pairing code) and whether its pending notifications came. */
type SocketState = RegistrationState & { pendingReceived: boolean };
const SOCKET_CLOSE_WAIT_MS = 2_000;
const LOGOUT_TIMEOUT_MS = 5_000;

export interface SessionDeps {
  readonly spec: SessionSpec;
  readonly handlers: SessionHandlers;
  readonly store: FileAuthState;
  readonly options: ResolvedConnectorOptions;
  readonly logger: Logger;
  /** The session's proxy, for its WebSocket and media; none: direct. */
  readonly agents?: SessionAgents;
  /** Called once when the session ends for good (stop, logout, failure); the connector forgets it. */
  readonly onEnded: () => void;
}

/**
 * Baileys 6.17.16 acks the app-state key share before it stores the key; when the server's `<offline>`
 * lands in between, Baileys starts buffering events (messages, receipts) until an initial app-state sync
 * that never comes. Once the key arrives after `<offline>`, release that one buffer.
 */
function releaseKeyShareBuffer(sock: WASocket, socketState: { pendingReceived: boolean }): void {
  if (socketState.pendingReceived && sock.ev.isBuffering()) sock.ev.flush();
}

/**
 * One WhatsApp session: a chain of Baileys sockets over one auth-state store, reconnecting by the
 * close policy until it is stopped, logged out or fails. Its message traffic is `SessionMessages`.
 */
export class BaileysSession implements SessionHandle {
  private sock: WASocket | undefined;
  private phase: Phase = 'connecting';
  private attempts = 0;
  private qrRounds = 0;
  /** When recent 440 conflicts happened (within the conflict window). */
  private conflicts: number[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly messages: SessionMessages;
  private readonly baileysLogger: BaileysLogger;
  /** Linking by pairing code (with the spec's phone, or one given to `pair`). */
  private readonly pairing: PairingLink;
  /** The current socket's state. */
  private socketState: SocketState | undefined;

  constructor(private readonly deps: SessionDeps) {
    this.baileysLogger = createBaileysLogger(deps.logger, { component: 'baileys' });
    this.messages = new SessionMessages({ ...deps, socket: () => this.sock, guard: (label, fn) => this.guard(label, fn) });
    this.pairing = new PairingLink(deps.spec.pairingPhone, deps.logger, (sock, code, phone, expiresAt) => {
      // A code asked for on a socket that is gone meanwhile lived and died with it.
      if (this.sock === sock && !this.isTerminal()) deps.handlers.onPairingCode?.(code, phone, expiresAt);
    });
  }

  get state(): Phase {
    return this.phase;
  }

  /** Opens a new socket (first start, 515 restart, reconnect after backoff). */
  connect(): void {
    this.phase = 'connecting';
    const { store } = this.deps;
    this.pairing.forgetUnfinished(store.state.creds);
    try {
      const sock = createSocket(store.state, this.baileysLogger, this.deps.options, (key) => this.messages.sentMessage(key), this.deps.agents);
      this.sock = sock;
      const safe = useStoreTransactions(sock, store) && gateFrames(sock, store, (error) => this.onStorageFailure(sock, error));
      if (!safe) {
        // Never run a socket that could reuse Signal counters: this Baileys is not the one Fleet was built on.
        this.deps.logger.error('the Baileys socket does not have the expected shape; refusing to run it');
        this.fail({ action: 'fail', code: 500, reason: 'baileys_incompatible' });
        return;
      }
      this.wire(sock);
    } catch (error) {
      this.deps.logger.error('could not create a socket', { error: describeError(error) });
      this.fail({ action: 'fail', code: statusCodeOf(error), reason: 'socket_create_failed' });
    }
  }

  /**
   * Sends a message in the session's lane: Baileys' processing mutex, which incoming messages,
   * receipts (retry requests included) and notifications already take, so nothing else of this
   * session touches its Signal state meanwhile. Media is uploaded first, outside the lane (it is
   * network and disk, not Signal state). Resolves once the frame is written (acks come later).
   */
  async send(message: OutgoingMessage): Promise<{ readonly waMessageId: string }> {
    const sock = this.openSocket();
    // The socket may have closed while the media uploaded: the message then waits for the next one.
    await this.messages.send(sock, message, () => {
      if (this.openSocket() !== sock) throw new SessionNotConnectedError(this.deps.spec.sessionId, this.phase);
    });
    return { waMessageId: message.messageId };
  }

  private openSocket(): WASocket {
    const sock = this.sock;
    if (this.phase !== 'open' || !sock) throw new SessionNotConnectedError(this.deps.spec.sessionId, this.phase);
    return sock;
  }

  async stop(): Promise<void> {
    if (this.isTerminal()) return this.finish();
    this.phase = 'stopped';
    await this.closeSocket();
    this.deps.logger.info('session stopped');
    await this.finish();
  }

  async logout(): Promise<void> {
    const wasOpen = this.phase === 'open';
    this.phase = 'logging-out';
    this.clearRetry();
    const sock = this.sock;
    this.sock = undefined;
    if (sock && wasOpen) await this.logoutOnWhatsApp(sock);
    else if (sock) await endSocket(sock, SOCKET_CLOSE_WAIT_MS);
    await this.clearState();
    this.phase = 'logged-out';
    this.deps.logger.info('session logged out on request');
    await this.finish();
  }

  /** The store found the fence moved: another owner holds the session. Stop at once, never reconnect. */
  onFenced(): void {
    if (this.isTerminal()) return;
    this.deps.logger.warn('auth state fenced by a newer epoch; closing the socket');
    this.fail({ action: 'fail', code: 409, reason: 'stale_epoch' });
  }

  /**
   * Links the device by pairing code with `phone`: asks for a code at once when the socket is
   * registering (it has shown a QR), else when the next one does.
   */
  async pair(phone: string): Promise<void> {
    await this.pairing.pair(phone, this.sock, this.socketState, this.deps.store.state.creds);
  }

  /** Which of `phones` are on WhatsApp (a usync contact query over the open socket). */
  async checkContacts(phones: readonly string[]): Promise<ContactCheck[]> {
    return checkContacts(this.openSocket(), phones);
  }

  private wire(sock: WASocket): void {
    // The same object the pairing watch fills in (the refs a registering socket is offered).
    const socketState: SocketState = Object.assign(
      this.pairing.watch(sock, (label, fn) => this.guard(label, fn)),
      { pendingReceived: false },
    );
    this.socketState = socketState;
    sock.ev.on('creds.update', (update) =>
      this.guard('creds.update', () => {
        this.persistCreds();
        if (update.myAppStateKeyId) releaseKeyShareBuffer(sock, socketState);
      }),
    );
    sock.ev.on('connection.update', (update) =>
      this.guard('connection.update', () => {
        if (update.receivedPendingNotifications) socketState.pendingReceived = true;
        this.onConnectionUpdate(sock, socketState, update);
      }),
    );
    // An upgrade answered with anything but 101 (a proxy refusing: 407, 403 …): close now, not after the connect timeout.
    sock.ws.on('unexpected-response', (_request: unknown, response: { statusCode?: number; resume(): void }) =>
      this.guard('unexpected-response', () => {
        response.resume();
        const code = response.statusCode ?? 0;
        sock.end(Object.assign(new Error(`the WebSocket upgrade was answered ${code}`), { output: { statusCode: code } }));
      }),
    );
    this.messages.wire(sock);
  }

  private onConnectionUpdate(sock: WASocket, socketState: SocketState, update: Partial<ConnectionState>): void {
    if (this.sock !== sock) return;
    if (update.qr) {
      socketState.qrCount += 1;
      const ttl = socketState.qrCount === 1 ? FIRST_QR_TTL_MS : NEXT_QR_TTL_MS;
      this.deps.handlers.onQr(update.qr, Date.now() + ttl);
      // The socket is registering: a pairing code can be asked for now (once per socket and phone).
      const asking = this.pairing.onQr(sock, socketState);
      if (asking) this.background('pairing code', () => asking);
    }
    if (update.connection === 'open') {
      this.phase = 'open';
      this.attempts = 0;
      this.qrRounds = 0;
      this.deps.logger.info('session connected');
      this.deps.handlers.onConnected({ phone: phoneFromMeId(this.deps.store.state.creds.me?.id) });
    }
    if (update.connection === 'close') {
      ignoreLateSocketErrors(sock);
      const error = update.lastDisconnect?.error;
      this.sock = undefined;
      // Taken even when stopping: a refusal belongs to the socket it closed.
      const refusal = this.deps.agents?.takeRefusal();
      if (this.isStoppingOrTerminal()) return;
      const decision = decideOnClose({
        code: statusCodeOf(error),
        registered: isLinked(this.deps.store.state.creds),
        qrShown: socketState.qrCount > 0,
        conflictType: conflictTypeOf(error),
        proxyRefused: refusal !== undefined,
      });
      this.onClosed(refusal ? { ...decision, detail: refusal.message } : decision);
    }
  }

  private onClosed(decision: CloseDecision & { detail?: string }): void {
    this.deps.logger.info('session socket closed', { code: decision.code, reason: decision.reason, action: decision.action });
    switch (decision.action) {
      case 'reconnect-now':
        return this.reconnect(decision, 0);
      case 'reconnect-backoff':
        this.attempts += 1;
        if (this.attempts > this.deps.options.backoff.maxAttempts) {
          return this.fail({ ...decision, reason: 'reconnect_exhausted' });
        }
        return this.reconnect(decision, backoffDelay(this.attempts, this.deps.options.backoff, this.deps.options.random));
      case 'reconnect-conflict': {
        const { delayMs, maxInWindow, windowMs } = this.deps.options.conflicts;
        const now = Date.now();
        this.conflicts = [...this.conflicts.filter((at) => at > now - windowMs), now];
        if (this.conflicts.length > maxInWindow) return this.fail(decision);
        const jitter = Math.min(1, Math.max(0, this.deps.options.backoff.jitter));
        return this.reconnect(decision, Math.round(delayMs * (1 - jitter * this.deps.options.random())));
      }
      case 'qr-expired':
        this.qrRounds += 1;
        if (this.qrRounds >= this.deps.options.qrRounds) return this.fail(decision);
        return this.reconnect(decision, 0);
      case 'logged-out':
        return this.loggedOut();
      case 'fail':
        return this.fail(decision);
    }
  }

  private reconnect(decision: CloseDecision, delayMs: number): void {
    this.phase = 'waiting';
    this.deps.handlers.onDisconnected({ code: decision.code, reason: decision.reason, willReconnect: true });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.background('reconnect', () => this.reconnectIfStillOwner());
    }, delayMs);
    this.retryTimer.unref();
  }

  /** A stale owner must not dial again (its socket would knock the new owner's off with 440). */
  private async reconnectIfStillOwner(): Promise<void> {
    if (this.phase !== 'waiting') return;
    const fenced = !(await this.deps.store.checkFence());
    if (this.phase !== 'waiting' || fenced) return;
    this.connect();
  }

  private fail(decision: CloseDecision & { detail?: string }): void {
    this.phase = 'failed';
    this.markEnded();
    this.deps.handlers.onFailed({ code: decision.code, reason: decision.reason, ...(decision.detail ? { detail: decision.detail } : {}) });
    this.background('fail', async () => {
      await this.closeSocket();
      await this.finish();
    });
  }

  private loggedOut(): void {
    this.phase = 'logged-out';
    this.deps.logger.warn('session logged out by WhatsApp');
    this.background('logged out', async () => {
      await this.closeSocket();
      await this.clearState();
      await this.finish();
      this.deps.handlers.onLoggedOut();
    });
  }

  /** An auth-state write failed: nothing more may go out over this socket; close it and reconnect. */
  private onStorageFailure(sock: WASocket, error: Error): void {
    this.deps.logger.error('session storage write failed; closing the socket', { error: describeError(error) });
    if (this.sock !== sock) return;
    sock.end(Object.assign(new Error('session storage write failed'), { output: { statusCode: 500 } }));
  }

  private persistCreds(): void {
    if (!this.deps.store.isWritable) return;
    this.deps.store.saveCreds().catch((error: unknown) => {
      this.deps.logger.warn('could not save credentials', { error: describeError(error) });
    });
  }

  private async logoutOnWhatsApp(sock: WASocket): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, LOGOUT_TIMEOUT_MS)));
    try {
      await Promise.race([sock.logout(), timeout]);
    } catch (error) {
      this.deps.logger.warn('logout on WhatsApp failed; clearing the local state anyway', { error: describeError(error) });
    } finally {
      clearTimeout(timer);
    }
    await endSocket(sock, SOCKET_CLOSE_WAIT_MS);
  }

  /** Removes the auth state; reopens the directory (under the same epoch) when this store is already closed. */
  private async clearState(): Promise<void> {
    const { store } = this.deps;
    try {
      if (store.isWritable) {
        await store.clear();
        return;
      }
      await store.flush();
      const fresh = await store.reopen();
      await fresh.clear();
      await fresh.close();
    } catch (error) {
      this.deps.logger.error('could not clear the auth state', { error: describeError(error) });
    }
  }

  private async closeSocket(): Promise<void> {
    this.clearRetry();
    const sock = this.sock;
    this.sock = undefined;
    if (sock) await endSocket(sock, SOCKET_CLOSE_WAIT_MS);
  }

  /** Closes the store (flushing pending writes) and lets the connector forget the session. */
  private async finish(): Promise<void> {
    await this.deps.store.close();
    this.markEnded();
  }

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    this.deps.onEnded();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private isTerminal(): boolean {
    return this.phase === 'stopped' || this.phase === 'failed' || this.phase === 'logged-out';
  }

  private isStoppingOrTerminal(): boolean {
    return this.isTerminal() || this.phase === 'logging-out';
  }

  private guard(label: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.deps.logger.error('error in a Baileys event handler', { event: label, error: describeError(error) });
    }
  }

  private background(label: string, task: () => Promise<void>): void {
    task().catch((error: unknown) => {
      this.deps.logger.error('session background task failed', { task: label, error: describeError(error) });
    });
  }
}
