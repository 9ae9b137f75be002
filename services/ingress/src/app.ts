import { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import type { IngressDeps } from './deps';
import { accessControl } from './auth/access-control';
import { Authenticator } from './auth/authenticator';
import { BEARER_SCHEME, withAccess } from './auth/openapi-access';
import { bodyLimit } from './http/body-limit';
import { registerConsoleRoutes, type ConsoleAssets } from './http/console-assets';
import { SEND_BODY_LIMIT_BYTES, SEND_PATH } from './routes/messages';
import { hasBody } from './http/has-body';
import { errorResponse } from './http/error-boundary';
import { requestContext } from './http/request-context';
import { registerAdminRoutes } from './routes/admin';
import { registerBackupRoutes } from './routes/backups';
import { registerHealthRoute, registerHealthSweepRoute, registerInstanceRoutes } from './routes/instances';
import { registerEventRoutes } from './routes/events';
import { registerKeyRoutes } from './routes/keys';
import { isUpload, registerMediaRoutes } from './routes/media';
import { registerMessageRoutes } from './routes/messages';
import { registerSessionControlRoutes } from './routes/session-control';
import { registerSessionRoutes } from './routes/sessions';
import { registerSessionListRoute } from './routes/session-list';
import { registerSessionLifecycleRoutes } from './routes/session-lifecycle';
import { registerSessionPairingRoutes } from './routes/session-pairing';
import { registerSessionProxyRoute } from './routes/session-proxy';
import { registerContactRoutes } from './routes/contacts';
import { registerWebhookRoutes } from './routes/webhooks';
import { OPENAPI_PATH, registerDocsRoutes } from './routes/docs';

/** `application/json`, with parameters (`; charset=utf-8`) or none; not `application/json-patch+json`. */
const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

export interface AppOptions {
  /** Admin keys (API_KEYS); workspace keys are checked through `deps.workspaceKeys`. */
  readonly apiKeys: readonly string[];
  readonly bodyLimitBytes: number;
  /** The web console's files (served at /console); undefined: not built. */
  readonly console?: ConsoleAssets;
}

/** The ingress's HTTP app: usable in-process (`app.request()`) by tests. */
export function createApp(deps: IngressDeps, options: AppOptions): OpenAPIHono {
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
        const idIssue = issues.find((issue) => issue.path === 'session_id' || issue.path === 'id' || issue.path === 'workspace_id');
        if (idIssue && issues.length === 1) {
          throw new ApiError('INVALID_ID', `${idIssue.path} is invalid: ${idIssue.message}`, { issues });
        }
        throw new ApiError('VALIDATION_FAILED', `invalid request: ${issues.map((i) => `${i.path || 'body'}: ${i.message}`).join('; ')}`, { issues });
      }
      return undefined;
    },
  });
  app.use('*', requestContext(deps.metrics));
  app.onError((error, c) => errorResponse(error, c, deps.logger));
  app.notFound((c) => {
    c.set('unmatched' as never, true as never);
    return c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404);
  });

  // Who may call what: ROUTE_ACCESS (auth/route-access.ts), one line per route.
  const authenticator = new Authenticator(options.apiKeys, deps.workspaceKeys);
  app.use('*', accessControl({ authenticator, limiter: deps.rateLimiter, limits: deps.rateLimits, keys: deps.keys }));
  // A send may carry small media inline (base64): its route has a larger limit of its own. The media
  // upload streams a multipart body of its own, under its own bound (routes/media.ts).
  const sendLimit = Math.max(options.bodyLimitBytes, SEND_BODY_LIMIT_BYTES);
  app.use('/api/*', bodyLimit(options.bodyLimitBytes, { skip: (c) => c.req.path === SEND_PATH || isUpload(c) }));
  app.use(SEND_PATH, bodyLimit(sendLimit));
  app.use('/api/*', async (c, next) => {
    if (isUpload(c)) return next();
    const type = c.req.header('content-type') ?? '';
    // A bodiless POST (stop, start) needs no content type.
    if (['POST', 'PUT', 'PATCH'].includes(c.req.method) && hasBody(c) && !JSON_CONTENT_TYPE.test(type)) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    }
    await next();
  });

  registerSessionRoutes(app, deps);
  registerSessionListRoute(app, deps);
  registerSessionControlRoutes(app, deps);
  registerSessionLifecycleRoutes(app, deps);
  registerSessionPairingRoutes(app, deps);
  registerSessionProxyRoute(app, deps);
  registerContactRoutes(app, deps);
  registerMessageRoutes(app, deps);
  registerMediaRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerInstanceRoutes(app, deps);
  registerHealthSweepRoute(app, deps);
  registerAdminRoutes(app, deps);
  registerKeyRoutes(app, deps);
  registerBackupRoutes(app, deps);
  registerHealthRoute(app, deps);
  registerConsoleRoutes(app, options.console);

  app.get('/metrics', async (c) => {
    c.header('Content-Type', deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', BEARER_SCHEME);
  // PUBLIC (no API key): the OpenAPI document and the Swagger UI showing it (/docs, routes/docs.ts).
  registerDocsRoutes(app);
  const documentConfig = {
    openapi: '3.1.0',
    info: { title: 'Fleet ingress', version: '0.1.0', description: 'Runs WhatsApp Web sessions for a Laravel application.' },
    security: [{ bearer: [] }],
  };
  // Each operation's access (x-fleet-scope, security) comes from ROUTE_ACCESS.
  app.get(OPENAPI_PATH, (c) => c.json(withAccess(app.getOpenAPI31Document(documentConfig))));
  return app;
}
