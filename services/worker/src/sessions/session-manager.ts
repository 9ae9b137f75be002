import { rm } from 'node:fs/promises';
import type { Logger } from '@fleet/logger';
import type { MessageSendJob, MessageStore, SessionRecord, SessionStatus, SessionStore } from '@fleet/state';
import type { SessionConnector, SessionHandle, SessionHandlers } from '../connector/types';
import type { WorkerMetrics } from '../metrics';
import { sessionDir } from './storage-path';

export interface SessionManagerOptions {
  readonly instanceId: string;
  readonly storagePath: string;
  readonly connector: SessionConnector;
  readonly sessions: SessionStore;
  readonly messages: MessageStore;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
}

interface Running {
  readonly record: SessionRecord;
  handle: SessionHandle | undefined;
  status: SessionStatus;
}

/** A job that should be retried later (BullMQ backoff) rather than failed. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  readonly code = 'RETRY_LATER';
}

/**
 * The sessions this worker runs: starts and stops them through the connector and mirrors what the
 * connector reports into the session and message records in Redis.
 */
export class SessionManager {
  private readonly running = new Map<string, Running>();
  private readonly starting = new Set<string>();

  constructor(private readonly options: SessionManagerOptions) {}

  get size(): number {
    return this.running.size;
  }

  isRunning(sessionId: string): boolean {
    return this.running.has(sessionId);
  }

  runningIds(): string[] {
    return [...this.running.keys()];
  }

  /** Starts a session unless it is already running here or no longer wanted. Idempotent. */
  async start(sessionId: string): Promise<void> {
    if (this.running.has(sessionId) || this.starting.has(sessionId)) return;
    this.starting.add(sessionId);
    try {
      await this.startOnce(sessionId);
    } finally {
      this.starting.delete(sessionId);
    }
  }

  private async startOnce(sessionId: string): Promise<void> {
    const { sessions, connector, instanceId, storagePath } = this.options;
    const record = await sessions.get(sessionId);
    if (!record || record.desired !== 'running') return;
    const epoch = await sessions.takeEpoch(sessionId, instanceId);
    if (epoch === 0) return;
    const entry: Running = { record, handle: undefined, status: 'starting' };
    this.running.set(sessionId, entry);
    this.refreshGauges();
    await sessions.update(sessionId, { status: 'starting', qr: null, qrExpiresAt: null, lastError: null });
    this.options.metrics.sessionEvents.inc({ event: 'start', reason: 'job' });
    try {
      const spec = {
        sessionId,
        workspaceId: record.workspaceId,
        accountId: record.accountId,
        epoch,
        storageDir: sessionDir(storagePath, record.workspaceId, sessionId),
      };
      entry.handle = await connector.start(spec, this.handlersFor(entry));
    } catch (error) {
      this.running.delete(sessionId);
      this.refreshGauges();
      await sessions.update(sessionId, { status: 'failed', lastError: errorText(error) });
      this.options.logger.warn('session failed to start', { sessionId, error });
    }
  }

  /**
   * Closes the socket and keeps the auth state. `status` is written to the record unless null (a
   * session handed to another worker: its new owner writes the status).
   */
  async stop(sessionId: string, status: SessionStatus | null = 'stopped'): Promise<void> {
    const entry = this.running.get(sessionId);
    if (!entry) return;
    this.running.delete(sessionId);
    this.refreshGauges();
    await entry.handle?.stop().catch((error: unknown) => this.options.logger.warn('session stop failed', { sessionId, error }));
    if (status) await this.options.sessions.update(sessionId, { status, qr: null, qrExpiresAt: null });
  }

  /** Logs the device out, removes its auth state and then the session record. */
  async logout(sessionId: string): Promise<void> {
    const record = await this.options.sessions.get(sessionId);
    const entry = this.running.get(sessionId);
    this.running.delete(sessionId);
    this.refreshGauges();
    if (entry?.handle) {
      await entry.handle.logout().catch((error: unknown) => this.options.logger.warn('logout failed', { sessionId, error }));
    }
    if (!record) return;
    await rm(sessionDir(this.options.storagePath, record.workspaceId, sessionId), { recursive: true, force: true });
    await this.options.sessions.remove(record);
    this.options.metrics.sessionEvents.inc({ event: 'deleted', reason: 'api' });
  }

  /** Sends a text; a session that is not connected here yet makes the job retry later. */
  async send(job: MessageSendJob): Promise<void> {
    const entry = this.running.get(job.sessionId);
    if (!entry?.handle || entry.status !== 'connected') {
      throw new RetryLaterError(`session ${job.sessionId} is not connected on this worker`);
    }
    await this.options.messages.advance(job.messageId, 'sending');
    await entry.handle.sendText({ messageId: job.messageId, to: job.to, text: job.text });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.runningIds().map((id) => this.stop(id, 'disconnected')));
  }

  private handlersFor(entry: Running): SessionHandlers {
    const { sessions, messages, logger, metrics } = this.options;
    const id = entry.record.sessionId;
    const set = (status: SessionStatus, update: Parameters<SessionStore['update']>[1] = {}): void => {
      if (this.running.get(id) !== entry) return;
      entry.status = status;
      this.refreshGauges();
      sessions.update(id, { status, ...update }).catch((error: unknown) => logger.warn('session record update failed', { sessionId: id, error }));
    };
    return {
      onQr: (qr, expiresAt) => set('qr', { qr, qrExpiresAt: expiresAt }),
      onConnected: ({ phone }) => {
        metrics.sessionEvents.inc({ event: 'connected', reason: 'open' });
        set('connected', { phone, qr: null, qrExpiresAt: null, lastError: null });
      },
      onDisconnected: ({ code, reason, willReconnect }) => {
        metrics.sessionEvents.inc({ event: willReconnect ? 'reconnect' : 'disconnected', reason });
        set('disconnected', { lastError: `${reason} (${code})` });
      },
      onLoggedOut: () => {
        metrics.sessionEvents.inc({ event: 'logged_out', reason: 'remote' });
        set('logged_out', { phone: null, qr: null, qrExpiresAt: null });
        this.running.delete(id);
        this.refreshGauges();
      },
      onFailed: ({ code, reason }) => {
        metrics.sessionEvents.inc({ event: reason === 'conflict' ? 'conflict' : 'failed', reason });
        set('failed', { lastError: `${reason} (${code})`, qr: null, qrExpiresAt: null });
        this.running.delete(id);
        this.refreshGauges();
      },
      onMessageStatus: (waMessageId, status, detail) => {
        messages.advance(waMessageId, status, detail ?? '').catch((error: unknown) => logger.warn('message update failed', { error }));
      },
      onIncomingMessage: () => {
        metrics.sessionEvents.inc({ event: 'message_received', reason: 'text' });
      },
    };
  }

  private refreshGauges(): void {
    const counts = new Map<SessionStatus, number>();
    for (const entry of this.running.values()) counts.set(entry.status, (counts.get(entry.status) ?? 0) + 1);
    this.options.metrics.sessionsByStatus.reset();
    for (const [status, count] of counts) this.options.metrics.sessionsByStatus.set({ status }, count);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200);
}
