import type { ChatMessageRef, EventDataMap, EventSink, EventType, MediaData, ReceivedMessageData } from '@fleet/events';
import type { Logger } from '@fleet/logger';
import type { SessionRecord } from '@fleet/state';
import type { IncomingMessage } from '../connector/types';

type Session = Pick<SessionRecord, 'sessionId' | 'workspaceId' | 'accountId'>;

/**
 * Turns what the session manager observes of sessions and incoming messages into events for the
 * Laravel app (webhooks). Session events are fire-and-forget for the callers (connector callbacks never
 * block) but failures are logged; incoming messages' events are awaited (their lane keeps them in
 * order). Without a sink (some tests) nothing is emitted. Outgoing messages' events are the message
 * ledger's (`@fleet/messages`), recorded with each status change.
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

  /** A pairing code to enter on the phone being linked (WhatsApp → Linked devices → Link with phone number). */
  pairingCode(session: Session, info: { code: string; phone: string; expiresAt: number }): void {
    this.emit(session.workspaceId, 'session.pairing_code', { ...ref(session), code: info.code, phone_number: info.phone, expires_at: info.expiresAt });
  }

  loggedOut(session: Session, reason: 'remote' | 'api'): void {
    this.emit(session.workspaceId, 'session.logged_out', { ...ref(session), reason });
  }

  failed(session: Session, info: { code: number; reason: string }): void {
    this.emit(session.workspaceId, 'session.failed', { ...ref(session), code: info.code, reason: info.reason });
  }

  /**
   * A message that reached the session, as its event: `message.received` (or
   * `message.sent_from_device` when the account's own phone sent it), `message.reaction`,
   * `message.edited` or `message.revoked`. `media` is what the media store made of its media.
   */
  async received(session: Session, message: IncomingMessage, media?: MediaData): Promise<void> {
    if (!this.sink) return;
    const where: ChatMessageRef = {
      session_id: session.sessionId,
      message_id: message.waMessageId,
      chat: message.chat,
      from: message.from,
      group: message.group ?? null,
      timestamp: message.timestamp,
    };
    const { target } = message;
    if (message.kind === 'reaction' && target) {
      await this.sink.append(session.workspaceId, 'message.reaction', { ...where, target_message_id: target.id, emoji: target.emoji ?? '' });
    } else if (message.kind === 'edit' && target) {
      await this.sink.append(session.workspaceId, 'message.edited', { ...where, message_id: target.id, edit_id: message.waMessageId, text: target.text ?? '' });
    } else if (message.kind === 'revoke' && target) {
      await this.sink.append(session.workspaceId, 'message.revoked', { ...where, message_id: target.id });
    } else {
      const data: ReceivedMessageData = {
        ...where,
        type: message.kind,
        text: message.text ?? '',
        ...(media ? { media } : {}),
        ...(message.location ? { location: message.location } : {}),
        ...(message.contact ? { contact: { display_name: message.contact.displayName, vcard: message.contact.vcard } } : {}),
        ...(message.quotedId ? { quoted_message_id: message.quotedId } : {}),
        ...(message.mentions ? { mentions: message.mentions } : {}),
      };
      await this.sink.append(session.workspaceId, message.fromMe ? 'message.sent_from_device' : 'message.received', data);
    }
  }

  /** Media that failed to download at first is stored now. */
  async mediaAvailable(session: Session, messageId: string, media: MediaData): Promise<void> {
    await this.sink?.append(session.workspaceId, 'message.media_available', { session_id: session.sessionId, message_id: messageId, media });
  }

  private emit<T extends EventType>(workspaceId: number, type: T, data: EventDataMap[T]): void {
    if (!this.sink) return;
    this.sink.append(workspaceId, type, data).catch((error: unknown) => this.logger.warn('event append failed', { type, error }));
  }
}

function ref(session: Session): { session_id: string; account_id: string } {
  return { session_id: session.sessionId, account_id: session.accountId };
}
