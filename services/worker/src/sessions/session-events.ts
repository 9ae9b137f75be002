import type { EventDataMap, EventSink, EventType } from '@fleet/events';
import type { Logger } from '@fleet/logger';
import type { SessionRecord } from '@fleet/state';
import type { IncomingMessage } from '../connector/types';

type Session = Pick<SessionRecord, 'sessionId' | 'workspaceId' | 'accountId'>;


/**
 * Turns what the session manager observes of sessions and incoming messages into events for the
 * Laravel app (webhooks). Appends are fire-and-forget for the callers (connector callbacks never
 * block) but failures are logged. Without a sink (some tests) nothing is emitted. Outgoing messages'
 * events are the message ledger's (`@fleet/messages`), recorded with each status change.
 */
export class SessionEvents {
  constructor(
    private readonly sink: EventSink | undefined,
    private readonly logger: Logger,
  ) {}

  qr(session: Session, qr: string, expiresAt: number): void {
    this.emit(session.workspaceId, 'session.qr', { ...ref(session), qr, expires_at: expiresAt });
  }

  connected(session: Session, phone: string): void {
    this.emit(session.workspaceId, 'session.connected', { ...ref(session), phone });
  }

  disconnected(session: Session, info: { code: number; reason: string; willReconnect: boolean }): void {
    this.emit(session.workspaceId, 'session.disconnected', { ...ref(session), code: info.code, reason: info.reason, will_reconnect: info.willReconnect });
  }

  loggedOut(session: Session): void {
    this.emit(session.workspaceId, 'session.logged_out', ref(session));
  }

  failed(session: Session, info: { code: number; reason: string }): void {
    this.emit(session.workspaceId, 'session.failed', { ...ref(session), code: info.code, reason: info.reason });
  }

  received(session: Session, message: IncomingMessage): void {
    this.emit(session.workspaceId, 'message.received', {
      session_id: session.sessionId,
      message_id: message.waMessageId,
      from: message.from,
      text: message.text,
      timestamp: message.timestamp,
    });
  }

  private emit<T extends EventType>(workspaceId: number, type: T, data: EventDataMap[T]): void {
    if (!this.sink) return;
    this.sink.append(workspaceId, type, data).catch((error: unknown) => this.logger.warn('event append failed', { type, error }));
  }
}

function ref(session: Session): { session_id: string; account_id: string } {
  return { session_id: session.sessionId, account_id: session.accountId };
}
