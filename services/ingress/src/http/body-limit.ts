import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { ApiError } from '@fleet/errors';
import { hasBody } from './has-body';

/**
 * Refuses bodies over `maxBytes` with 413 PAYLOAD_TOO_LARGE. A request without a body passes and a
 * declared Content-Length is checked from the header alone (no stream wrapping on the hot path); a
 * chunked body is counted as it streams in.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new ApiError('PAYLOAD_TOO_LARGE', `request body is larger than ${maxBytes} bytes`);
  };
  const streaming = streamingBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    if (!hasBody(c)) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(declared) > maxBytes) tooLarge();
      return next();
    }
    return streaming(c, next);
  };
}
