/**
 * Redaction of secrets and personal data before a log line is written: tokens, API keys, phone
 * numbers and WhatsApp JIDs never reach the logs.
 */
const SECRET_KEYS = new Set([
  'authorization', 'token', 'apikey', 'api_key', 'secret', 'password', 'key', 'keys', 'creds',
  'phone', 'to', 'from', 'jid', 'qr', 'text', 'body',
]);

const JID_PATTERN = /\b\d{5,20}(?::\d+)?@(?:s\.whatsapp\.net|c\.us|g\.us|lid)\b/g;
const PHONE_PATTERN = /\+?\b\d{8,15}\b/g;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;

export const REDACTED = '[redacted]';

export function redactText(text: string): string {
  return text.replace(BEARER_PATTERN, `Bearer ${REDACTED}`).replace(JID_PATTERN, `${REDACTED}@jid`).replace(PHONE_PATTERN, REDACTED);
}

/** Returns a copy of `value` with secret fields replaced and strings scrubbed; depth-bounded. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : redactValue(child, depth + 1);
  }
  return out;
}
