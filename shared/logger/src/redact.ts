/**
 * Redaction of secrets and personal data before a log line is written: tokens, API keys, phone
 * numbers and WhatsApp JIDs never reach the logs.
 */
const SECRET_KEYS = new Set([
  'authorization',
  'token',
  'apikey',
  'secret',
  'password',
  'key',
  'keys',
  'creds',
  'phone',
  'to',
  'from',
  'jid',
  'qr',
  'body',
  // a session's proxy URL may carry credentials; a pairing code links a device like a QR does
  'proxy',
  'proxyurl',
  'pairingcode',
  // message text: ours (`text`), Baileys' message protos (`conversation`, media `caption`)
  'text',
  'messagetext',
  'conversation',
  'caption',
]);

/** Objects nested deeper than this are replaced by `[object]`, never passed on unscrubbed. */
const MAX_DEPTH = 6;

/** `api_key`, `apiKey` and `API-KEY` are one key. */
function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[_-]/g, ''));
}

const JID_PATTERN = /\b\d{5,20}(?::\d+)?@(?:s\.whatsapp\.net|c\.us|g\.us|lid)\b/g;
const PHONE_PATTERN = /\+?\b\d{8,15}\b/g;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
/**
 * Credentials in a URL (`socks5://user:pass@host`): everything before the host goes, up to the last
 * `@` of the authority (as URL parsers read it), so a password holding a raw `@` goes whole too.
 */
const URL_CREDENTIALS_PATTERN = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

export const REDACTED = '[redacted]';

export function redactText(text: string): string {
  return text
    .replace(URL_CREDENTIALS_PATTERN, `$1${REDACTED}@`)
    .replace(BEARER_PATTERN, `Bearer ${REDACTED}`)
    .replace(JID_PATTERN, `${REDACTED}@jid`)
    .replace(PHONE_PATTERN, REDACTED);
}

/**
 * Returns a copy of `value` with secret fields replaced and strings scrubbed; objects deeper than
 * MAX_DEPTH become `[object]`.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[object]';
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? REDACTED : redactValue(child, depth + 1);
  }
  return out;
}
