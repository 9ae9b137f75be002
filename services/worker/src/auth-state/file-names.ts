import { createHash } from 'node:crypto';

/** The credentials file inside a session directory. */
export const CREDS_FILE = 'creds.json';
/** The fencing file: the highest lease epoch that ever opened this directory. */
export const FENCE_FILE = '.epoch';
/**
 * The key journal (see journal.ts): no `.json` suffix and no leading `.`, so it is neither a key file
 * nor the fence nor a temporary file, and `isKeyFileName` never matches it.
 */
export const JOURNAL_FILE = 'keys.journal';

const KEY_FILE_SUFFIX = '.json';
/** Separates the key type from the id; never produced by `encodeNamePart`. */
const TYPE_SEPARATOR = '~';
/** Marks a hashed name (an id too long for a file name); never produced by `encodeNamePart`. */
const HASH_SEPARATOR = '#';
/** Encoded names longer than this are replaced by a hash (file names are limited to 255 bytes). */
const MAX_ENCODED_LENGTH = 180;

/**
 * Percent-encodes everything but `[A-Za-z0-9._-]`, so a name part can hold no `/`, `\`, NUL or
 * separator and two different inputs never give the same output.
 */
export function encodeNamePart(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const isLiteral =
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2e || byte === 0x5f;
    out += isLiteral ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * File name of one Signal key: `<type>~<id>.json`, both parts encoded. Any Baileys key type works
 * (newer versions add types); the name never starts with `.` so it cannot clash with the fence or a
 * temporary file, and it never contains a path separator.
 */
export function keyFileName(type: string, id: string): string {
  const name = `${encodeNamePart(type)}${TYPE_SEPARATOR}${encodeNamePart(id)}`;
  if (name.length <= MAX_ENCODED_LENGTH && !name.startsWith('.')) return name + KEY_FILE_SUFFIX;
  const digest = createHash('sha256').update(type).update('\0').update(id).digest('hex');
  return `k${encodeNamePart(type).slice(0, 40)}${HASH_SEPARATOR}${digest}${KEY_FILE_SUFFIX}`;
}

/** True for file names this store writes for keys (used by `clear`). */
export function isKeyFileName(name: string): boolean {
  return name.endsWith(KEY_FILE_SUFFIX) && (name.includes(TYPE_SEPARATOR) || name.includes(HASH_SEPARATOR));
}
