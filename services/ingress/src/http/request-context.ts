import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { IngressMetrics } from '../metrics';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives every request an id (the caller's X-Request-Id when well-formed) and times it. */
export function requestContext(metrics: IngressMetrics): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId' as never, requestId as never);
    // Set before the handler builds its response, so the response is not rebuilt to add it.
    c.header('X-Request-Id', requestId);
    const stop = metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      stop({ method: c.req.method, route: c.get('unmatched' as never) ? 'unmatched' : routePath(c, -1), status: String(c.res.status) });
    }
  };
}
