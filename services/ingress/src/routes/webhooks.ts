import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import { DeadLetterStore, EVENT_FILTER_PATTERN, WebhookStore } from '@fleet/events';
import { assertOwnWorkspace } from '../auth/principal';
import type { IngressDeps } from '../deps';
import { fieldsOrEmptyArray, WorkspaceIdText } from '../schemas';
import { assertDestination } from './destination-check';
import { COMMON_ERRORS, json } from './responses';

const WorkspaceParam = z.object({
  id: WorkspaceIdText.openapi({ param: { name: 'id', in: 'path' }, example: 5 }),
});

const WebhookBody = z
  .strictObject({
    url: z
      .string()
      .url()
      .max(2048)
      .refine((value) => /^https?:\/\//i.test(value), 'must be an http(s) URL')
      .openapi({ example: 'https://crm.example.com/api/fleet/webhook' }),
    secret: z.string().min(16).max(256).openapi({ description: 'HMAC-SHA256 key signing deliveries; never returned', example: 'whsec_0123456789abcdef' }),
    events: z
      .array(z.string().regex(EVENT_FILTER_PATTERN, 'an event type, session.*, message.* or *'))
      .max(32)
      .default([])
      .openapi({ description: 'Event types delivered (empty = every event)', example: ['message.*', 'session.connected'] }),
  })
  .openapi('WebhookSettings');

const WebhookView = z
  .object({
    workspace_id: z.number(),
    url: z.string().openapi({ description: 'The URL; user and password embedded in it show as ***' }),
    events: z.array(z.string()),
    secret_set: z.literal(true),
    updated_at: z.number(),
  })
  .openapi('Webhook');

const ErrorBody404 = { 404: { description: 'No webhook for this workspace (WEBHOOK_NOT_FOUND)' } } as const;

const putWebhook = createRoute({
  method: 'put',
  path: '/api/workspaces/{id}/webhook',
  summary: "Set a workspace's webhook (overrides LARAVEL_API_URL for it)",
  description:
    'The URL must reach a public address: a host that is, or resolves to, a loopback, private, link-local, CGNAT, ULA, ' +
    'multicast, reserved or cloud metadata address is refused with 400 WEBHOOK_URL_REFUSED unless the operator allows it ' +
    '(WEBHOOK_ALLOW). The dispatcher checks again at each delivery, after DNS, and never follows redirects.',
  request: { params: WorkspaceParam, body: { required: true, content: { 'application/json': { schema: WebhookBody } } } },
  responses: { 200: json(WebhookView, 'Stored'), ...COMMON_ERRORS },
});

const getWebhook = createRoute({
  method: 'get',
  path: '/api/workspaces/{id}/webhook',
  summary: "A workspace's webhook (the secret is never returned)",
  request: { params: WorkspaceParam },
  responses: { 200: json(WebhookView, 'The webhook'), ...COMMON_ERRORS, ...ErrorBody404 },
});

const deleteWebhook = createRoute({
  method: 'delete',
  path: '/api/workspaces/{id}/webhook',
  summary: "Remove a workspace's webhook (its events go to LARAVEL_API_URL, or wait for a new webhook)",
  request: { params: WorkspaceParam },
  responses: { 200: json(z.object({ workspace_id: z.number(), deleted: z.boolean() }), 'Removed'), ...COMMON_ERRORS },
});

const DeadLetterView = z.object({
  event: z.record(z.string(), z.unknown()),
  attempts: z.number(),
  last_error: z.string(),
  first_failed_at: z.number(),
  dead_at: z.number(),
});

const listDeadLetters = createRoute({
  method: 'get',
  path: '/api/workspaces/{id}/dead-letters',
  summary: 'Events whose deliveries were exhausted, oldest first',
  request: { params: WorkspaceParam, query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: {
    200: json(z.object({ workspace_id: z.number(), total: z.number(), replaying: z.number(), dead_letters: z.array(DeadLetterView) }), 'Dead letters'),
    ...COMMON_ERRORS,
  },
});

const ReplayBody = z
  .strictObject({
    event_ids: z
      .array(z.string().regex(/^evt_[0-9a-f]{24}$/))
      .max(1000)
      .optional(),
  })
  .openapi('ReplayDeadLetters', { description: 'The event ids to replay; none (`{}`, `[]` or no body) = all' });

const replayDeadLetters = createRoute({
  method: 'post',
  path: '/api/workspaces/{id}/dead-letters/replay',
  summary: 'Deliver dead letters again (the given event ids, or all), before newer events',
  request: {
    params: WorkspaceParam,
    body: { required: false, content: { 'application/json': { schema: fieldsOrEmptyArray(ReplayBody) } } },
  },
  responses: { 202: json(z.object({ workspace_id: z.number(), replayed: z.number() }), 'Queued for redelivery'), ...COMMON_ERRORS },
});

export function registerWebhookRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  const webhooks = new WebhookStore(deps.redis, deps.keys);
  const deadLetters = new DeadLetterStore(deps.redis, deps.keys);

  app.openapi(putWebhook, async (c) => {
    const { id } = c.req.valid('param');
    assertOwnWorkspace(c, id);
    const body = c.req.valid('json');
    // A name that does not resolve yet is accepted: each delivery judges again.
    await assertDestination(deps.webhookGuard, body.url, { code: 'WEBHOOK_URL_REFUSED', allowList: 'WEBHOOK_ALLOW' });
    const stored = await webhooks.set(id, { url: body.url, secret: body.secret, events: body.events });
    return c.json(
      { workspace_id: id, url: withoutCredentials(stored.url), events: [...stored.events], secret_set: true as const, updated_at: stored.updatedAt },
      200,
    );
  });

  app.openapi(getWebhook, async (c) => {
    const { id } = c.req.valid('param');
    assertOwnWorkspace(c, id);
    const webhook = await webhooks.get(id);
    if (!webhook) throw new ApiError('WEBHOOK_NOT_FOUND', 'this workspace has no webhook', { workspace_id: id });
    return c.json(
      { workspace_id: id, url: withoutCredentials(webhook.url), events: [...webhook.events], secret_set: true as const, updated_at: webhook.updatedAt },
      200,
    );
  });

  app.openapi(deleteWebhook, async (c) => {
    const { id } = c.req.valid('param');
    assertOwnWorkspace(c, id);
    return c.json({ workspace_id: id, deleted: await webhooks.remove(id) }, 200);
  });

  app.openapi(listDeadLetters, async (c) => {
    const { id } = c.req.valid('param');
    assertOwnWorkspace(c, id);
    const { limit } = c.req.valid('query');
    const [{ total, items }, replaying] = await Promise.all([deadLetters.list(id, limit), deadLetters.replaying(id)]);
    return c.json({ workspace_id: id, total, replaying, dead_letters: items as unknown as Array<z.infer<typeof DeadLetterView>> }, 200);
  });

  app.openapi(replayDeadLetters, async (c) => {
    const { id } = c.req.valid('param');
    assertOwnWorkspace(c, id);
    const ids = c.req.valid('json')?.event_ids ?? [];
    return c.json({ workspace_id: id, replayed: await deadLetters.replay(id, ids) }, 202);
  });
}

/**
 * The webhook URL as the API shows it: credentials embedded in it (`https://user:password@host/…`,
 * used by the dispatcher for basic auth) become `***`, like the secret they are never returned.
 */
function withoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/[^/?#]*@/, '//***@');
  }
  if (!parsed.username && !parsed.password) return url;
  if (parsed.username) parsed.username = '***';
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
