import { timingSafeEqual, createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '@fleet/errors';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Bearer API key check; compares digests in constant time so keys do not leak through timing. */
export function bearerAuth(apiKeys: readonly string[]): MiddlewareHandler {
  const accepted = apiKeys.map(digest);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = match ? digest(match[1]!) : undefined;
    if (!given || !accepted.some((key) => timingSafeEqual(key, given))) {
      throw new ApiError('UNAUTHORIZED', 'a valid bearer API key is required');
    }
    await next();
  };
}
