import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { jobId, sessionJob } from '@fleet/state';
import type { IngressDeps } from '../deps';
import { ProxyUrl, SessionView } from '../schemas';
import { assertDestination } from './destination-check';
import { COMMON_ERRORS, CONFLICT, NOT_FOUND, json } from './responses';
import { assertNotLoggingOut, currentView, IdParam, requireLiveSession } from './session-access';

const ProxyBody = z
  .strictObject({ proxy_url: ProxyUrl.nullable().openapi({ description: 'The proxy, or null to connect directly' }) })
  .openapi('SessionProxyBody');

const putProxy = createRoute({
  method: 'put',
  path: '/api/sessions/{id}/proxy',
  summary: "Set (or, with null, remove) the session's proxy for its WebSocket and media; a running session restarts to use it (no new scan)",
  description:
    'The proxy must be a public host: one that is, or resolves to, a loopback, private, link-local, CGNAT, ULA, multicast, ' +
    'reserved or cloud metadata address is refused with 400 PROXY_URL_REFUSED (nothing stored) unless the operator allows it ' +
    '(PROXY_ALLOW). The worker checks again at each connection, after DNS; a refused proxy fails the session (proxy_refused), ' +
    'it never connects around it.',
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: ProxyBody } } } },
  responses: { 200: json(SessionView, 'Stored (the view shows its scheme and host only)'), ...COMMON_ERRORS, ...NOT_FOUND, ...CONFLICT },
});

/** How a proxy the guard refuses is answered (create with proxy_url, PUT …/proxy). */
export const PROXY_REFUSAL = { code: 'PROXY_URL_REFUSED', allowList: 'PROXY_ALLOW' } as const;

/** The session's proxy: stored sealed (SESSION_SECRETS_KEY), never logged nor echoed. */
export function registerSessionProxyRoute(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(putProxy, async (c) => {
    const { id } = c.req.valid('param');
    const { proxy_url: url } = c.req.valid('json');
    const record = await requireLiveSession(deps, c, id);
    assertNotLoggingOut(record);
    if (url !== null) await assertDestination(deps.proxyGuard, url, PROXY_REFUSAL);
    await deps.sessions.update(id, { proxy: url === null ? null : deps.secrets.sealProxy(url, id) });
    // A session that should run takes the new route on its next socket: restart it now.
    if (record.desired === 'running') await deps.queues.add(record.shard, 'session.restart', sessionJob(record), jobId('restart', id, Date.now()));
    return c.json(await currentView(deps, record), 200);
  });
}
