import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '@fleet/errors';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Guards a worker route that acts or reveals internals: `Authorization: Bearer <one of API_KEYS>`,
 * compared as SHA-256 digests in constant time (every key is compared, so timing tells nothing).
 * A worker without API_KEYS refuses these routes with 403 ADMIN_KEYS_NOT_CONFIGURED; a missing or
 * unknown key is 401 UNAUTHORIZED.
 */
export function requireAdminKey(apiKeys: readonly string[]): MiddlewareHandler {
  const accepted = apiKeys.map(digest);
  return async (c, next) => {
    const refusal = refuse(accepted, c.req.header('authorization'));
    if (refusal) return c.json({ error: refusal.toJSON() }, refusal.status as 401 | 403);
    await next();
    return undefined;
  };
}

function refuse(accepted: readonly Buffer[], header: string | undefined): ApiError | undefined {
  if (accepted.length === 0) {
    return new ApiError(
      'ADMIN_KEYS_NOT_CONFIGURED',
      "this route needs an admin key, and this worker has no API_KEYS configured: set API_KEYS (the ingress's keys) on the worker",
    );
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  const given = match ? digest(match[1]!) : undefined;
  const valid = given !== undefined && accepted.reduce((found, key) => timingSafeEqual(key, given) || found, false);
  return valid ? undefined : new ApiError('UNAUTHORIZED', 'an admin key is required: Authorization: Bearer <one of API_KEYS>');
}
