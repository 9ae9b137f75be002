import { jidDecode, jidNormalizedUser, proto, type WAMessage } from 'baileys';
import type { IncomingMessage, MessageAckStatus } from '../types';
import { InvalidRecipientError } from './errors';

const PHONE_PATTERN = /^\+?[0-9][0-9 ().-]{4,24}$/;

/** A phone number (digits, optional `+`, spaces, dashes, dots, parentheses) or a JID, as a JID. */
export function toJid(to: string): string {
  const trimmed = to.trim();
  if (trimmed.includes('@')) {
    const decoded = jidDecode(trimmed);
    if (!decoded?.user || !decoded.server) throw new InvalidRecipientError();
    return decoded.server === 's.whatsapp.net' || decoded.server === 'c.us' ? jidNormalizedUser(trimmed) : trimmed;
  }
  if (!PHONE_PATTERN.test(trimmed)) throw new InvalidRecipientError();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 6 || digits.length > 15) throw new InvalidRecipientError();
  return `${digits}@s.whatsapp.net`;
}

/** The account's phone number: the digits of the user part of `creds.me.id` (`15551234567:3@s.whatsapp.net`). */
export function phoneFromMeId(meId: string | undefined): string {
  if (!meId) return '';
  const user = meId.split('@')[0]?.split(':')[0] ?? '';
  return user.replace(/\D/g, '');
}

const STATUS = proto.WebMessageInfo.Status;

/** A `messages.update` status number as a Fleet ack status; undefined for PENDING and unknowns. */
export function ackStatusFromWa(status: number | null | undefined): MessageAckStatus | undefined {
  switch (status) {
    case STATUS.ERROR:
      return 'failed';
    case STATUS.SERVER_ACK:
      return 'sent';
    case STATUS.DELIVERY_ACK:
      return 'delivered';
    case STATUS.READ:
    case STATUS.PLAYED:
      return 'read';
    default:
      return undefined;
  }
}

/** The text of a message (plain, extended, or a media caption), or undefined when it has none. */
export function textOf(message: proto.IMessage | null | undefined): string | undefined {
  if (!message) return undefined;
  const inner = message.ephemeralMessage?.message ?? message.viewOnceMessage?.message;
  if (inner) return textOf(inner);
  const text =
    message.conversation ??
    message.extendedTextMessage?.text ??
    message.imageMessage?.caption ??
    message.videoMessage?.caption ??
    message.documentMessage?.caption;
  return typeof text === 'string' ? text : undefined;
}

/** An incoming text from someone else, or undefined for our own, status broadcasts and non-text messages. */
export function toIncomingMessage(message: WAMessage): IncomingMessage | undefined {
  const { key } = message;
  if (key.fromMe || !key.id || !key.remoteJid || key.remoteJid === 'status@broadcast') return undefined;
  const text = textOf(message.message);
  if (text === undefined) return undefined;
  const sender = key.participant ?? key.remoteJid;
  return {
    waMessageId: key.id,
    from: jidNormalizedUser(sender) || sender,
    text,
    timestamp: timestampMs(message.messageTimestamp),
  };
}

/** `messageTimestamp` (seconds, number or Long) in milliseconds; now when absent. */
function timestampMs(value: WAMessage['messageTimestamp']): number {
  if (value === null || value === undefined) return Date.now();
  const seconds = typeof value === 'number' ? value : Number(value.toString());
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now();
}
