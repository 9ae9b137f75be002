import { jidDecode, jidNormalizedUser, proto } from 'baileys';
import type { MessageAckStatus } from '../types';
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
