import type { EventDataMap, EventSink, EventType, MessageAdvance } from '@fleet/events';
import type { Logger } from '@fleet/logger';
import type { MessageStatus, MessageStore, SessionRecord } from '@fleet/state';
import type { IncomingMessage } from '../connector/types';

type Session = Pick<SessionRecord, 'sessionId' | 'workspaceId' | 'accountId'>;


/**
 * Turns what the session manager observes into events for the Laravel app (webhooks). Appends are
 * fire-and-forget for the callers (connector callbacks never block) but failures are logged.
 * Without a sink (some tests) nothing is emitted and message records still advance.
 */
export class SessionEvents {
  constructor(
    private readonly sink: EventSink | undefined,
    private readonly messages: MessageStore,
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

  /**
   * Advances a message record and, in the same atomic step, appends its event, only when the record
   * actually changed: a repeated or late ack (WhatsApp and BullMQ are at-least-once) never yields a
   * second event, and a crash never leaves a status change without its event.
   */
  async messageStatus(session: Session, messageId: string, status: MessageStatus, reason = ''): Promise<MessageAdvance> {
    if (!this.sink) return { changed: await this.messages.advance(messageId, status, reason), createdAt: undefined };
    return this.sink.advanceMessage({ workspaceId: session.workspaceId, sessionId: session.sessionId, messageId, status, reason });
  }

  private emit<T extends EventType>(workspaceId: number, type: T, data: EventDataMap[T]): void {
    if (!this.sink) return;
    this.sink.append(workspaceId, type, data).catch((error: unknown) => this.logger.warn('event append failed', { type, error }));
  }
}

function ref(session: Session): { session_id: string; account_id: string } {
  return { session_id: session.sessionId, account_id: session.accountId };
}
