import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { jobId, sessionJob } from '@fleet/state';
import type { IngressDeps } from '../deps';
import { SessionView } from '../schemas';
import { COMMON_ERRORS, CONFLICT, NOT_FOUND, json } from './responses';
import { assertNotLoggingOut, currentView, IdParam, requireLiveSession } from './session-access';

const restartSession = createRoute({
  method: 'post',
  path: '/api/sessions/{id}/restart',
  summary: "Close the session's socket and start it again with the same auth state (no new scan); a session not running is started",
  request: { params: IdParam },
  responses: { 202: json(SessionView, 'Restart queued for the owning worker'), ...COMMON_ERRORS, ...NOT_FOUND, ...CONFLICT },
});

const logoutSession = createRoute({
  method: 'post',
  path: '/api/sessions/{id}/logout',
  summary:
    'Unlink the device from the phone (WhatsApp logout), remove its auth state and keep the session as logged_out; waiting messages fail (session_logged_out)',
  request: { params: IdParam },
  responses: {
    202: json(SessionView, 'Logout queued for the owning worker (desired logged_out; status becomes logged_out)'),
    ...COMMON_ERRORS,
    ...NOT_FOUND,
    ...CONFLICT,
  },
});

/** Restart and logout: operations on a session's link with WhatsApp, carried out by its worker. */
export function registerSessionLifecycleRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(restartSession, async (c) => {
    const { id } = c.req.valid('param');
    const record = await requireLiveSession(deps, c, id);
    assertNotLoggingOut(record);
    await deps.sessions.update(id, { desired: 'running' });
    await deps.queues.add(record.shard, 'session.restart', sessionJob(record), jobId('restart', id, Date.now()));
    return c.json(await currentView(deps, record), 202);
  });

  app.openapi(logoutSession, async (c) => {
    const { id } = c.req.valid('param');
    const record = await requireLiveSession(deps, c, id);
    // The worker acts on `desired: logged_out` (a start or pair afterwards is refused until it is done).
    await deps.sessions.update(id, { desired: 'logged_out' });
    await deps.queues.add(record.shard, 'session.unlink', sessionJob(record), jobId('unlink', id, Date.now()));
    return c.json(await currentView(deps, record), 202);
  });
}
