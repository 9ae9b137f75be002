import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { jobId, sessionJob } from '@fleet/state';
import type { IngressDeps } from '../deps';
import { ProxyUrl, SessionView } from '../schemas';
import { COMMON_ERRORS, CONFLICT, NOT_FOUND, json } from './responses';
import { assertNotLoggingOut, currentView, IdParam, requireLiveSession } from './session-access';

const ProxyBody = z
  .strictObject({ proxy_url: ProxyUrl.nullable().openapi({ description: 'The proxy, or null to connect directly' }) })
  .openapi('SessionProxyBody');

const putProxy = createRoute({
  method: 'put',
  path: '/api/sessions/{id}/proxy',
  summary: 'Set (or, with null, remove) the session\'s proxy for its WebSocket and media; a running session restarts to use it (no new scan)',
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: ProxyBody } } } },
  responses: { 200: json(SessionView, 'Stored (the view shows its scheme and host only)'), ...COMMON_ERRORS, ...NOT_FOUND, ...CONFLICT },
});

/** The session's proxy: stored sealed (SESSION_SECRETS_KEY), never logged nor echoed. */
export function registerSessionProxyRoute(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(putProxy, async (c) => {
    const { id } = c.req.valid('param');
    const { proxy_url: url } = c.req.valid('json');
    const record = await requireLiveSession(deps, c, id);
    assertNotLoggingOut(record);
    await deps.sessions.update(id, { proxy: url === null ? null : deps.secrets.sealProxy(url, id) });
    // A session that should run takes the new route on its next socket: restart it now.
    if (record.desired === 'running') await deps.queues.add(record.shard, 'session.restart', sessionJob(record), jobId('restart', id, Date.now()));
    return c.json(await currentView(deps, record), 200);
  });
}
