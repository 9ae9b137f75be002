import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { KEY_ID_PATTERN, KEY_NAME_PATTERN, SCOPES, type ApiKeyRecord } from '@fleet/api-keys';
import { ApiError } from '@fleet/errors';
import { principalOf } from '../auth/principal';
import type { IngressDeps } from '../deps';
import { WorkspaceId, WorkspaceIdText } from '../schemas';
import { COMMON_ERRORS, json } from './responses';

const Scope = z.enum(SCOPES);

const CreateKeyBody = z
  .strictObject({
    workspace_id: WorkspaceId,
    name: z.string().regex(KEY_NAME_PATTERN, '1 to 100 characters, no control characters').optional().openapi({ example: 'crm production' }),
    scopes: z
      .array(Scope)
      .max(SCOPES.length)
      .optional()
      .openapi({ description: 'What the key may do in its workspace; omitted or empty = every scope', example: ['sessions:read', 'messages:send'] }),
  })
  .openapi('CreateApiKey');

const KeyView = z
  .object({
    id: z.string().openapi({ example: '3f9a0c1b2d4e5f60' }),
    workspace_id: z.number(),
    name: z.string().nullable(),
    scopes: z.array(Scope),
    created_at: z.number(),
    last_used_at: z.number().nullable().openapi({ description: 'Recorded at most about once a minute per ingress' }),
    revoked_at: z.number().nullable(),
  })
  .openapi('ApiKey');

const NewKeyView = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: 'The bearer key, `fk_<id>_<secret>`: shown this once, stored only as a hash', example: 'fk_3f9a0c1b2d4e5f60_…' }),
    workspace_id: z.number(),
    name: z.string().nullable(),
    scopes: z.array(Scope),
    created_at: z.number(),
  })
  .openapi('NewApiKey');

const CurrentKeyView = z
  .object({
    kind: z.enum(['admin', 'workspace']),
    id: z.string().nullable().openapi({ description: 'The workspace key id; null for an admin key' }),
    workspace_id: z.number().nullable().openapi({ description: "The key's workspace; null for an admin key (every workspace)" }),
    scopes: z.array(Scope).openapi({ description: 'An admin key has every scope (and the admin routes)' }),
  })
  .openapi('CurrentApiKey');

const KeyIdParam = z.object({
  id: z
    .string()
    .regex(KEY_ID_PATTERN, '16 lower-case hex digits')
    .openapi({ param: { name: 'id', in: 'path' }, example: '3f9a0c1b2d4e5f60' }),
});

const createKey = createRoute({
  method: 'post',
  path: '/api/admin/keys',
  summary: 'Create a workspace API key (the key is in this answer only)',
  request: { body: { required: true, content: { 'application/json': { schema: CreateKeyBody } } } },
  responses: { 201: json(NewKeyView, 'Created'), ...COMMON_ERRORS },
});

const listKeys = createRoute({
  method: 'get',
  path: '/api/admin/keys',
  summary: "Workspace API keys (every workspace's, or one's), revoked ones included; never their secrets",
  request: { query: z.object({ workspace_id: WorkspaceIdText.optional().openapi({ param: { name: 'workspace_id', in: 'query' }, example: 5 }) }) },
  responses: { 200: json(z.object({ keys: z.array(KeyView) }), 'The keys, oldest first'), ...COMMON_ERRORS },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/api/admin/keys/{id}',
  summary: 'Revoke a workspace API key: every ingress refuses it within a second or two',
  request: { params: KeyIdParam },
  responses: {
    200: json(z.object({ id: z.string(), revoked_at: z.number() }), 'Revoked (or was already: its first revocation time)'),
    ...COMMON_ERRORS,
    404: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'KEY_NOT_FOUND'),
  },
});

const currentKey = createRoute({
  method: 'get',
  path: '/api/keys/current',
  summary: 'The key making this request: its kind, workspace and scopes (what a console may show)',
  responses: { 200: json(CurrentKeyView, 'The key'), ...COMMON_ERRORS },
});

const keyView = (record: ApiKeyRecord) => ({
  id: record.id,
  workspace_id: record.workspaceId,
  name: record.name,
  scopes: [...record.scopes],
  created_at: record.createdAt,
  last_used_at: record.lastUsedAt,
  revoked_at: record.revokedAt,
});

/** Workspace API keys: made, listed and revoked with an admin key; `GET /api/keys/current` for any key. */
export function registerKeyRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(createKey, async (c) => {
    const body = c.req.valid('json');
    const { record, key } = await deps.apiKeys.create({ workspaceId: body.workspace_id, name: body.name, scopes: body.scopes });
    deps.logger.info('workspace API key created', { key_id: record.id, workspace_id: record.workspaceId, scopes: record.scopes });
    return c.json({ id: record.id, key, workspace_id: record.workspaceId, name: record.name, scopes: [...record.scopes], created_at: record.createdAt }, 201);
  });

  app.openapi(listKeys, async (c) => {
    const { workspace_id: workspaceId } = c.req.valid('query');
    return c.json({ keys: (await deps.apiKeys.list({ workspaceId })).map(keyView) }, 200);
  });

  app.openapi(revokeKey, async (c) => {
    const { id } = c.req.valid('param');
    const revokedAt = await deps.apiKeys.revoke(id);
    if (revokedAt === undefined) throw new ApiError('KEY_NOT_FOUND', 'no such API key', { id });
    deps.logger.info('workspace API key revoked', { key_id: id });
    return c.json({ id, revoked_at: revokedAt }, 200);
  });

  app.openapi(currentKey, async (c) => {
    const principal = principalOf(c)!;
    return c.json({ kind: principal.kind, id: principal.id, workspace_id: principal.workspaceId, scopes: [...principal.scopes] }, 200);
  });
}
