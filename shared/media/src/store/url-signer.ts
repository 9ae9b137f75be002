import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed media links: `<base>/media/<id>?expires=<unix s>&signature=<hex HMAC-SHA256(secret, "<id>.<expires>")>`.
 * The signature is the credential (no API key): whoever has the link may read the object until it
 * expires. Every process that makes or checks links needs the same secret (MEDIA_SIGNING_SECRET).
 */
export class UrlSigner {
  constructor(private readonly secret: string) {
    if (secret.length < 16) throw new Error('the media signing secret must be at least 16 characters');
  }

  signature(mediaId: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${mediaId}.${expires}`).digest('hex');
  }

  /** A link to `mediaId` under `baseUrl` (no trailing slash needed) valid until `now + ttlSeconds`. */
  signedUrl(mediaId: string, baseUrl: string, ttlSeconds: number, now = Date.now()): { url: string; expiresAt: number } {
    const expires = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
    const url = `${baseUrl.replace(/\/+$/, '')}/media/${encodeURIComponent(mediaId)}?expires=${expires}&signature=${this.signature(mediaId, expires)}`;
    return { url, expiresAt: expires * 1000 };
  }

  /** Whether a link's `expires` and `signature` are this secret's for `mediaId` and not past; constant-time. */
  verify(mediaId: string, expires: string, signature: string, now = Date.now()): 'valid' | 'invalid' | 'expired' {
    if (!/^[1-9]\d{0,11}$/.test(expires) || !/^[0-9a-f]{64}$/i.test(signature)) return 'invalid';
    const expected = Buffer.from(this.signature(mediaId, Number(expires)), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'invalid';
    return Number(expires) * 1000 < now ? 'expired' : 'valid';
  }
}
