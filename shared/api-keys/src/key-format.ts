import { createHash, randomBytes } from 'node:crypto';

/** A key id: 16 lower-case hex digits (8 random bytes). Shown in lists; not a secret. */
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
/** A workspace key as given to its holder: `fk_<key id>_<secret>`, the secret 32 random bytes in base64url. */
const KEY_PATTERN = /^fk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewKey {
  readonly id: string;
  /** The whole bearer key; shown once, never stored. */
  readonly key: string;
  /** Hex sha256 of the secret: what is stored. */
  readonly secretHash: string;
}

/**
 * sha256 of the secret, hex. Enough for a key: the secret is 32 random bytes, so there is nothing to
 * guess and no need for a slow password hash.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateKey(): NewKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `fk_${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** Whether a bearer token has the form of a workspace key (it may still be unknown or revoked). */
export function looksLikeWorkspaceKey(token: string): boolean {
  return token.startsWith('fk_');
}

/** The id and secret of a workspace key; undefined when the token is not one. */
export function parseKey(token: string): { id: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}
