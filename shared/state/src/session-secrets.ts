import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EnvReader } from '@fleet/config';
import type { SealedProxy } from './records';

/** The schemes a session proxy may use. `socks5h` resolves names at the proxy. */
export const PROXY_SCHEMES = ['http', 'https', 'socks5', 'socks5h'] as const;
export type ProxyScheme = (typeof PROXY_SCHEMES)[number];

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that does not open: another key, another session, or tampered with. */
export class SessionSecretError extends Error {
  override readonly name = 'SessionSecretError';
  readonly code = 'SESSION_SECRET_UNREADABLE';
}

/**
 * Secrets of a session kept in its Redis record (its proxy URL, which may carry credentials):
 * AES-256-GCM under SESSION_SECRETS_KEY, with the session id as additional data, so a sealed value
 * copied to another session's record does not open there. Every ingress (which seals) and every
 * worker (which opens) needs the same key.
 */
export class SessionSecrets {
  private readonly key: Buffer;

  /** `key`: 32 bytes, or as 64 hex digits (`SessionSecretsSettings.key`). */
  constructor(key: Buffer | string) {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'hex') : Buffer.from(key);
    if (bytes.length !== 32) throw new RangeError('a session secrets key is 32 bytes');
    this.key = bytes;
  }

  seal(plaintext: string, sessionId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(sessionId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string, sessionId: string): string {
    const [version, payload] = sealed.split('.');
    const bytes = Buffer.from(payload ?? '', 'base64url');
    if (version !== VERSION || bytes.length < IV_BYTES + TAG_BYTES) throw new SessionSecretError('not a sealed session secret');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(sessionId, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SessionSecretError('the sealed secret does not open with SESSION_SECRETS_KEY (another key, or another session)');
    }
  }

  /** A proxy URL as a record keeps it: sealed, with its scheme and host in the clear for views. */
  sealProxy(url: string, sessionId: string): SealedProxy {
    const parsed = parseProxyUrl(url);
    if (typeof parsed === 'string') throw new RangeError(parsed);
    return { sealed: this.seal(parsed.href, sessionId), scheme: parsed.scheme, host: parsed.host };
  }
}

/**
 * Checks a proxy URL: `http://`, `https://`, `socks5://` or `socks5h://`, a host, an optional port
 * and optional credentials, nothing else (no path, query or fragment). Answers a problem as text
 * (never quoting the URL: it may carry credentials), or what the URL is.
 */
export function parseProxyUrl(text: string): { scheme: ProxyScheme; host: string; href: string } | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'proxy_url is not a URL';
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!(PROXY_SCHEMES as readonly string[]).includes(scheme)) return `proxy_url must use one of ${PROXY_SCHEMES.map((s) => `${s}://`).join(', ')}`;
  if (!url.hostname) return 'proxy_url needs a host';
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') return 'proxy_url may have no path, query or fragment';
  if (url.password && !url.username) return 'proxy_url has a password without a user name';
  return { scheme: scheme as ProxyScheme, host: url.host, href: text };
}

/** SESSION_SECRETS_KEY as read: the key (64 hex digits), and whether this process made it up (development only). */
export interface SessionSecretsSettings {
  readonly key: string;
  readonly generated: boolean;
}

/**
 * Reads SESSION_SECRETS_KEY: 32 bytes as 64 hex digits or base64. Required when NODE_ENV=production;
 * elsewhere, when unset, this process makes one up (a proxy set through one process then cannot be
 * read by another: set the same key on every ingress and worker).
 */
export function readSessionSecretsSettings(reader: EnvReader): SessionSecretsSettings {
  const value = reader.optionalString('SESSION_SECRETS_KEY');
  if (value !== undefined) {
    if (/^[0-9a-f]{64}$/i.test(value)) return { key: value.toLowerCase(), generated: false };
    if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) return { key: Buffer.from(value, 'base64').toString('hex'), generated: false };
    reader.fail('SESSION_SECRETS_KEY must be 32 bytes: 64 hex digits or base64 (e.g. openssl rand -hex 32)');
  } else if (reader.optionalString('NODE_ENV') === 'production') {
    reader.fail('SESSION_SECRETS_KEY is required when NODE_ENV=production (32 bytes as 64 hex digits, the same on every ingress and worker)');
  }
  return { key: randomBytes(32).toString('hex'), generated: true };
}
