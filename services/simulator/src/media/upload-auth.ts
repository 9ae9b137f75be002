/**
 * Upload tokens handed out in `media_conn` answers. A token is valid for `ttlSeconds` (WhatsApp's
 * auth_ttl); the media host refuses uploads without a live one. Each token remembers the account that
 * asked, so uploads are counted per account. Expired tokens are dropped whenever one is issued.
 */
import { randomBytes } from 'node:crypto';

/** How many live tokens are kept at most (the oldest go first); one per socket and auth_ttl is typical. */
const MAX_TOKENS = 100_000;

export class UploadAuth {
  private readonly tokens = new Map<string, { phone: string; expiresAt: number }>();

  constructor(readonly ttlSeconds: number) {}

  issue(phone: string): string {
    const now = Date.now();
    for (const [token, entry] of this.tokens) {
      if (entry.expiresAt > now && this.tokens.size < MAX_TOKENS) break;
      this.tokens.delete(token);
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { phone, expiresAt: now + this.ttlSeconds * 1000 });
    return token;
  }

  /** The account a live token was issued to, or undefined. */
  check(token: string | undefined): string | undefined {
    if (!token) return undefined;
    const entry = this.tokens.get(token);
    if (!entry || entry.expiresAt <= Date.now()) return undefined;
    return entry.phone;
  }
}
