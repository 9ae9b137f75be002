import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { ApiError } from '@fleet/errors';
import { hasBody } from './has-body';

/**
 * Refuses bodies over `maxBytes` with 413 PAYLOAD_TOO_LARGE. A request without a body passes and a
 * declared Content-Length is checked from the header alone (no stream wrapping on the hot path); a
 * chunked body is counted as it streams in.
 *
 * The 413 says `Connection: close`: the refused body is not read, so the connection cannot carry
 * another request reliably (the HTTP server discards what is left of it for half a second, then
 * closes the socket). Announced, the client opens a new connection for its next request instead of
 * sending it into one that is about to close.
 */
export function bodyLimit(maxBytes: number, options: { readonly skip?: (c: Context) => boolean } = {}): MiddlewareHandler {
  const tooLarge = (c: Context): never => {
    c.header('Connection', 'close');
    throw new ApiError('PAYLOAD_TOO_LARGE', `request body is larger than ${maxBytes} bytes`);
  };
  const streaming = streamingBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    if (!hasBody(c) || options.skip?.(c)) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(declared) > maxBytes) tooLarge(c);
      return next();
    }
    return streaming(c, next);
  };
}
