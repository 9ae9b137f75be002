import { randomBytes } from 'node:crypto';

/**
 * Fleet message ids double as WhatsApp message ids, so acks map back without a lookup: `3EB0`
 * followed by 20 upper-case hex digits, like the ids WhatsApp Web itself generates.
 */
export function newMessageId(): string {
  return `3EB0${randomHex(10)}`;
}

export const MESSAGE_ID_PATTERN = /^3EB0[0-9A-F]{20}$/;

const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let offset = 0;

/** Upper-case hex of `bytes` random bytes, drawn from a pooled CSPRNG buffer (hot path). */
function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes).toUpperCase();
  offset += bytes;
  return hex;
}
