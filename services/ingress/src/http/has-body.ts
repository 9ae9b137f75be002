import type { Context } from 'hono';

/** What @hono/node-server passes as a request's env: the Node request it serves. */
interface NodeBindings {
  incoming?: { httpVersionMajor?: number };
}

/**
 * Whether a request carries a body, decided from its headers wherever they say: touching
 * `c.req.raw.body` makes @hono/node-server build a full web Request (a ReadableStream, an
 * AbortSignal) for the request, about a third of the hot path's CPU. Over HTTP/1.1 a body always
 * comes with Content-Length or Transfer-Encoding (RFC 9112 §6.3: without either a request has none,
 * as `curl -X POST` sends a bodiless stop), and GET and HEAD never have one; only a request built
 * in-process without those headers (`app.request()`) is looked at.
 */
export function hasBody(c: Context): boolean {
  if (c.req.header('transfer-encoding') !== undefined) return true;
  const length = c.req.header('content-length');
  if (length !== undefined) return length !== '0';
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return false;
  if ((c.env as NodeBindings | undefined)?.incoming?.httpVersionMajor === 1) return false;
  return c.req.raw.body !== null;
}
