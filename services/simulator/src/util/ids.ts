/** Identifiers the server hands out: message/stanza ids and QR refs. */
import { randomBytes } from 'node:crypto';

export class IdGenerator {
  private counter = 0;
  private readonly prefix = randomBytes(3).toString('hex').toUpperCase();

  /** A stanza id for server-initiated iqs and notifications. */
  stanza(): string {
    return `${this.prefix}.${(++this.counter).toString(36)}`;
  }

  /** A WhatsApp-looking message id (`3EB0` + 16 hex digits). */
  message(): string {
    return `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
  }

  /** A QR ref; never contains a comma (the QR is comma-separated). */
  qrRef(): string {
    return `2@${randomBytes(24).toString('base64')}`;
  }
}
