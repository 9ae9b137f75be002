import type { Logger } from '@fleet/logger';
import type { MessageLedger } from '@fleet/messages';
import type { LeaseStore, SessionRecord, SessionStatus, SessionStore, SessionUpdate } from '@fleet/state';
import type { ContactCheck, SessionHandle, SessionHandlers } from '../connector/types';
import type { WorkerMetrics } from '../metrics';
import { SerialQueue } from '../auth-state/serial-queue';
import { OutboxSender, type SendPolicy } from './outbox-sender';
import { SendPacer } from './send-pacer';
import { InboundLane, type InboundMediaStore } from './inbound-lane';
import type { SessionEvents } from './session-events';
import { LOGGED_OUT_FIELDS, RUN_TRANSITIONS, type RunEvent, type RunState } from './run-transitions';

export interface SessionRunDeps {
  readonly record: SessionRecord;
  /** Fencing epoch of this run's lease; every record write carries it. */
  readonly epoch: number;
  readonly instanceId: string;
  readonly sessions: SessionStore;
  readonly leases: LeaseStore;
  readonly ledger: MessageLedger;
  readonly events: SessionEvents;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
  readonly sendPolicy: SendPolicy;
  /** How long a planned stop waits for the acks of messages already written before closing the socket. */
  readonly stopAckWaitMs: number;
  /** Where received media goes; none: events say what the media is, unavailable. */
  readonly media?: InboundMediaStore;
  /** The run reached `connected` (its start's failures are forgotten). */
  readonly onConnected: () => void;
  /** The run's status changed (gauges), or it ended (the manager forgets it). */
  readonly onChange: (run: SessionRun) => void;
}

/**
 * One run of a session on this worker: its state machine, its socket, its outbox sender and its
 * record writes. Every event goes through `dispatch`, which looks up the transition in RUN_TRANSITIONS
 * and carries out its effects; record writes (and the events they announce) are queued in order and
 * awaited by the run, and one refused for a newer epoch turns into `superseded`.
 */
export class SessionRun {
  private current: RunState = 'opening';
  private recordStatus: SessionStatus = 'starting';
  private handle: SessionHandle | undefined;
  private sender: OutboxSender | undefined;
  /** The session's send pace on this run: shared by the senders of its successive sockets. */
  private readonly pacer: SendPacer;
  private readonly writes = new SerialQueue();
  private readonly startedAt = Date.now();
  private qrSeen = false;
  private ended: Promise<void> | undefined;
  private readonly inbound: InboundLane;

  constructor(private readonly deps: SessionRunDeps) {
    this.pacer = new SendPacer(deps.sendPolicy.ratePerSecond, deps.sendPolicy.burst);
    this.inbound = new InboundLane({
      record: deps.record,
      ledger: deps.ledger,
      events: deps.events,
      media: deps.media,
      metrics: deps.metrics,
      logger: deps.logger,
    });
  }

  get sessionId(): string {
    return this.deps.record.sessionId;
  }

  get record(): SessionRecord {
    return this.deps.record;
  }

  get epoch(): number {
    return this.deps.epoch;
  }

  get state(): RunState {
    return this.current;
  }

  /** The session status this run last wrote (the `fleet_sessions` gauge). */
  get status(): SessionStatus {
    return this.recordStatus;
  }

  /** The connector's socket for this run, once opened. A run stopped meanwhile closes it at once. */
  async attach(handle: SessionHandle): Promise<void> {
    this.handle = handle;
    if (this.current !== 'closing' && this.current !== 'ended') return;
    // Stopped while the socket was being opened: close it now, then let go of the lease.
    await handle.stop().catch(() => undefined);
    await this.release();
  }

  /** Handlers for the connector: each report becomes an event of this run. */
  handlers(): SessionHandlers {
    const { ledger, metrics, logger } = this.deps;
    const dispatch = (event: RunEvent): void =>
      void this.dispatch(event).catch((error: unknown) => logger.warn('session event failed', { sessionId: this.sessionId, event: event.type, error }));
    return {
      onQr: (qr, expiresAt) => dispatch({ type: 'qr', qr, expiresAt }),
      onPairingCode: (code, phone, expiresAt) => dispatch({ type: 'pairing_code', code, phone, expiresAt }),
      onConnected: ({ phone }) => dispatch({ type: 'connected', phone }),
      onDisconnected: ({ code, reason }) => dispatch({ type: 'disconnected', code, reason }),
      onLoggedOut: () => dispatch({ type: 'logged_out' }),
      onFailed: ({ code, reason, detail }) => dispatch({ type: 'failed', code, reason, ...(detail ? { detail } : {}) }),
      onMessageStatus: (messageId, status, detail) => {
        if (status === 'sent' || status === 'failed') this.sender?.settled(messageId);
        ledger.advance({ messageId, status, reason: detail ?? '' }).then(
          ({ changed, createdAt }) => {
            if (changed && createdAt !== undefined && (status === 'sent' || status === 'delivered')) {
              metrics.sendLatency.observe({ stage: status }, Math.max(0, Date.now() - createdAt) / 1000);
            }
          },
          (error: unknown) => logger.warn('message update failed', { error }),
        );
      },
      outgoing: async (messageId) => {
        const body = await ledger.body(messageId);
        return body && { messageId, to: body.to, content: body.content };
      },
      onIncomingMessage: (message) => {
        if (this.current !== 'ended') this.inbound.push(message);
      },
    };
  }

  /** Which of `phones` are on WhatsApp, asked over this run's socket (it must be connected). */
  async checkContacts(phones: readonly string[]): Promise<ContactCheck[]> {
    if (this.current !== 'connected' || !this.handle?.checkContacts) throw new Error(`session ${this.sessionId} cannot check contacts (${this.current})`);
    return this.handle.checkContacts(phones);
  }

  /** The session's outbox has new messages (a wake-up job, or one found waiting). */
  wake(): void {
    this.sender?.wake();
  }

  /** Messages whose server ack did not come in time go back to their place, or fail. */
  async sweepAcks(now: number): Promise<void> {
    if (this.sender?.overdue(now)) await this.sender.sweep(now);
  }

  /** Carries out one event: the transition of RUN_TRANSITIONS and its effects. */
  async dispatch(event: RunEvent): Promise<void> {
    const next = RUN_TRANSITIONS[this.current][event.type];
    if (next === undefined) return;
    this.current = next;
    switch (event.type) {
      case 'qr':
        return this.onQr(event.qr, event.expiresAt);
      case 'pairing_code':
        return this.onPairingCode(event.code, event.phone, event.expiresAt);
      case 'connected':
        return this.onConnected(event.phone);
      case 'disconnected':
        return this.onDisconnected(event.code, event.reason);
      case 'failed':
        return this.endedByConnector(
          'failed',
          { lastError: failureText(event), qr: null, qrExpiresAt: null, pairingCode: null, pairingCodeExpiresAt: null },
          () => this.deps.events.failed(this.deps.record, event),
          event.reason,
        );
      case 'logged_out':
        return this.endedByConnector('logged_out', LOGGED_OUT_FIELDS, () => this.deps.events.loggedOut(this.deps.record, 'remote'), 'remote');
      case 'stop':
        return this.stop(event.status);
      case 'logout':
        return this.logout();
      case 'unlink':
        return this.unlink();
      case 'pair':
        return this.pair(event.phone);
      case 'abandon':
      case 'superseded':
        return this.close(event.type);
    }
  }

  private async onQr(qr: string, expiresAt: number): Promise<void> {
    this.observeFirstQr();
    await this.write('qr', { qr, qrExpiresAt: expiresAt }, () => this.deps.events.qr(this.deps.record, qr, expiresAt));
  }

  private async onPairingCode(code: string, phone: string, expiresAt: number): Promise<void> {
    this.deps.metrics.sessionEvents.inc({ event: 'pairing_code', reason: 'requested' });
    await this.write('qr', { pairingCode: code, pairingCodeExpiresAt: expiresAt }, () =>
      this.deps.events.pairingCode(this.deps.record, { code, phone, expiresAt }),
    );
  }

  private async onConnected(phone: string): Promise<void> {
    this.deps.metrics.sessionEvents.inc({ event: 'connected', reason: 'open' });
    this.deps.onConnected();
    this.startSender();
    const linked: SessionUpdate = { phone, qr: null, qrExpiresAt: null, lastError: null, pairingPhone: null, pairingCode: null, pairingCodeExpiresAt: null };
    await this.write('connected', linked, () => this.deps.events.connected(this.deps.record, phone));
  }

  private async onDisconnected(code: number, reason: string): Promise<void> {
    this.sender?.stop();
    this.deps.metrics.sessionEvents.inc({ event: 'reconnect', reason });
    // The 515 right after a scan is the normal path to connected, not an outage.
    const status = reason === 'restart_required' ? 'starting' : 'disconnected';
    // A pairing code lives on the socket that asked for it: that socket is gone.
    await this.write(status, { lastError: `${reason} (${code})`, pairingCode: null, pairingCodeExpiresAt: null }, () =>
      this.deps.events.disconnected(this.deps.record, { code, reason, willReconnect: true }),
    );
  }

  /** The connector ended the run by itself (failed, logged out): its socket is closed, so its lease goes too. */
  private async endedByConnector(status: SessionStatus, update: SessionUpdate, announce: () => void, reason: string): Promise<void> {
    this.sender?.stop();
    this.deps.metrics.sessionEvents.inc({ event: status === 'logged_out' ? 'logged_out' : reason === 'conflict' ? 'conflict' : 'failed', reason });
    await this.write(status, update, announce);
    await this.release();
  }

  /** A planned stop: acks of what was written, the status, the socket, then the lease (the successor starts clean). */
  private async stop(status: SessionStatus | null): Promise<void> {
    await this.sender?.finish(this.deps.stopAckWaitMs);
    if (status) await this.write(status, { qr: null, qrExpiresAt: null, pairingCode: null, pairingCodeExpiresAt: null });
    // Its start is still opening the socket: `attach` closes it and releases the lease.
    if (!this.handle) return;
    await this.handle.stop().catch((error: unknown) => this.deps.logger.warn('session stop failed', { sessionId: this.sessionId, error }));
    await this.release();
  }

  private async logout(): Promise<void> {
    this.sender?.stop();
    if (!this.handle) return;
    await this.handle.logout().catch((error: unknown) => this.deps.logger.warn('logout failed', { sessionId: this.sessionId, error }));
    await this.release();
  }

  /**
   * The API's logout of a connected session: the device is logged out on WhatsApp (which unlinks it
   * from the phone) and its auth state cleared, the record kept as logged_out, then the lease let go.
   */
  private async unlink(): Promise<void> {
    this.sender?.stop();
    this.deps.metrics.sessionEvents.inc({ event: 'logged_out', reason: 'api' });
    if (this.handle) await this.handle.logout().catch((error: unknown) => this.deps.logger.warn('logout failed', { sessionId: this.sessionId, error }));
    await this.write('logged_out', LOGGED_OUT_FIELDS, () => this.deps.events.loggedOut(this.deps.record, 'api'));
    await this.release();
  }

  /** The API asked to link by pairing code: the socket requests one now, or as soon as it can. */
  private async pair(phone: string): Promise<void> {
    await this.handle?.pair?.(phone).catch((error: unknown) => this.deps.logger.warn('pairing code request failed', { sessionId: this.sessionId, error }));
  }

  /** Closes the socket without touching Redis: the lease is not ours to release (or Redis is away). */
  private async close(why: 'abandon' | 'superseded'): Promise<void> {
    if (why === 'superseded') {
      this.deps.logger.warn('session record has a newer epoch; closing this run', { sessionId: this.sessionId, epoch: this.deps.epoch });
      this.deps.metrics.sessionEvents.inc({ event: 'fenced', reason: 'stale_epoch' });
    }
    this.sender?.stop();
    this.finish();
    await this.handle?.stop().catch(() => undefined);
  }

  /** Releases the lease once (after the socket closed and the state was flushed), and ends the run. */
  private async release(): Promise<void> {
    this.ended ??= (async () => {
      this.current = 'ended';
      this.finish();
      await this.writes.idle();
      await this.deps.leases.release(this.sessionId, this.deps.instanceId, this.deps.epoch).catch((error: unknown) => {
        this.deps.logger.warn('lease release failed', { sessionId: this.sessionId, error });
      });
    })();
    await this.ended;
  }

  private finish(): void {
    this.current = 'ended';
    this.deps.onChange(this);
  }

  /**
   * Queues a fenced write of the record (status plus `update`) and, once it is applied, `announce`
   * (its event); resolves when both are done. A write refused for a newer epoch supersedes this run.
   */
  private write(status: SessionStatus, update: SessionUpdate, announce?: () => void): Promise<void> {
    this.recordStatus = status;
    this.deps.onChange(this);
    return this.writes
      .run(async () => {
        const written = await this.deps.sessions.update(this.sessionId, { status, ...update }, Date.now(), this.deps.epoch);
        if (written) announce?.();
        else if (this.current !== 'ended') void this.dispatch({ type: 'superseded' });
      })
      .catch((error: unknown) => {
        this.deps.logger.warn('session record update failed', { sessionId: this.sessionId, error });
      });
  }

  /** The session is connected on this run: its outbox is sent from now on (what was in flight, again). */
  private startSender(): void {
    const handle = this.handle;
    if (!handle) return;
    this.sender?.stop();
    this.sender = new OutboxSender({
      sessionId: this.sessionId,
      handle,
      ledger: this.deps.ledger,
      policy: this.deps.sendPolicy,
      pacer: this.pacer,
      logger: this.deps.logger.child({ sessionId: this.sessionId }),
      connected: () => this.current === 'connected',
      onOutcome: (outcome) => this.deps.metrics.messageWrites.inc({ outcome }),
      onPaced: () => this.deps.metrics.sendsPaced.inc(),
    });
    this.sender.start();
  }

  /** QR latency: from this run's start, and from creation when the session never got further than a QR. */
  private observeFirstQr(): void {
    if (this.qrSeen) return;
    this.qrSeen = true;
    const now = Date.now();
    const { record, metrics } = this.deps;
    metrics.qrLatency.observe({ from: 'start' }, (now - this.startedAt) / 1000);
    if (!record.phone && (record.status === 'starting' || record.status === 'qr') && record.epoch === 0) {
      metrics.qrLatency.observe({ from: 'create' }, Math.max(0, now - record.createdAt) / 1000);
    }
  }
}

/** A failure as `last_error` keeps it: `<reason> (<code>)`, then what more the connector said (`: <detail>`). */
function failureText(event: { code: number; reason: string; detail?: string }): string {
  const text = `${event.reason} (${event.code})`;
  return event.detail ? `${text}: ${event.detail}`.slice(0, 300) : text;
}
