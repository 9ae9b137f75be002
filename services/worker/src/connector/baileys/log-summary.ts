import { REDACTED, redactText } from '@fleet/logger';

const MAX_DEPTH = 4;
const MAX_KEYS = 25;
const MAX_ITEMS = 10;
const MAX_STRING = 300;
/** How much of a string is scrubbed before it is cut to MAX_STRING (a Baileys line can be a whole frame). */
const MAX_SCRUBBED = 64 * 1024;

/** Keys whose values identify people or carry secrets: never logged, whatever their shape. */
const PRIVATE_KEYS = new Set(
  [
    'jid',
    'lid',
    'me',
    'id',
    'from',
    'to',
    'recipient',
    'participant',
    'remotejid',
    'name',
    'pushname',
    'notify',
    'verifiedname',
    'phone',
    'qr',
    'text',
    'conversation',
    'creds',
    'keys',
    'key',
    'user',
    'username',
    'content',
    'message',
    'msg',
    'xml',
    'ref',
    'ciphertext',
    'node',
    'helloMsg',
  ].map((key) => key.toLowerCase()),
);

/**
 * A bounded, scrubbed copy of whatever Baileys hands its logger: byte arrays become their size,
 * errors their name, status code and scrubbed message, private fields `[redacted]`, strings have
 * phone numbers and JIDs removed, depth and width are capped.
 */
export function summarizeForLog(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return bounded(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? '[function]' : value;
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (value instanceof Error) return summarizeError(value);
  if (depth >= MAX_DEPTH) return '[object]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => summarizeForLog(item, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `…${value.length - MAX_ITEMS} more`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value).slice(0, MAX_KEYS)) {
    out[key] = PRIVATE_KEYS.has(key.toLowerCase()) ? REDACTED : summarizeForLog(child, depth + 1);
  }
  return out;
}

/**
 * A string scrubbed, then cut to MAX_STRING: scrubbing first, so a cut never leaves the start of a
 * secret its pattern no longer recognises (a URL's credentials cut before their `@`).
 */
function bounded(text: string): string {
  const scrubbed = redactText(text.length > MAX_SCRUBBED ? text.slice(0, MAX_SCRUBBED) : text);
  return scrubbed.length > MAX_STRING ? `${scrubbed.slice(0, MAX_STRING)}…` : scrubbed;
}

function summarizeError(error: Error): Record<string, unknown> {
  const boom = error as Error & { output?: { statusCode?: unknown } };
  const statusCode = boom.output?.statusCode;
  return {
    name: error.name,
    message: bounded(error.message),
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
  };
}
