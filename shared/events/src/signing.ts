import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `X-Fleet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp is signed with the body, so a receiver rejects an old delivery replayed later.
 */
export const SIGNATURE_HEADER = 'X-Fleet-Signature';

export function signature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, body: string, now = Date.now()): string {
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${signature(secret, t, body)}`;
}

export type VerifyOutcome = 'ok' | 'malformed' | 'bad_signature' | 'stale';

/** Verifies a signature header (the same checks the PHP controller makes). */
export function verifySignature(secret: string, header: string, body: string, toleranceSeconds = 300, now = Date.now()): VerifyOutcome {
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return 'malformed';
  const expected = Buffer.from(signature(secret, t, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return 'bad_signature';
  if (Math.abs(Math.floor(now / 1000) - t) > toleranceSeconds) return 'stale';
  return 'ok';
}
