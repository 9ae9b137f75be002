import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import { decodeCursor, SESSION_STATUSES } from '@fleet/state';
import { canLink, workspaceFilter } from '../auth/principal';
import type { IngressDeps } from '../deps';
import { SessionView, WorkspaceIdText } from '../schemas';
import { sessionView } from '../views';
import { COMMON_ERRORS, json } from './responses';

export const MAX_LIST_LIMIT = 200;
const DEFAULT_LIST_LIMIT = 50;

const ListQuery = z.object({
  workspace_id: WorkspaceIdText.optional().openapi({
    param: { name: 'workspace_id', in: 'query' },
    type: 'integer',
    description: "One workspace's sessions. An admin key may leave it out: the whole fleet.",
  }),
  status: z
    .enum(SESSION_STATUSES)
    .optional()
    .openapi({ param: { name: 'status', in: 'query' } }),
  search: z
    .string()
    .regex(/^\+?[A-Za-z0-9_-]{1,64}$/, 'a prefix of a session id, or of a phone number (digits, an optional leading +)')
    .transform((value) => value.replace(/^\+/, ''))
    .optional()
    .openapi({ param: { name: 'search', in: 'query' }, description: "Sessions whose id, or whose phone number's digits, start with this." }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor of the previous page' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIST_LIMIT)
    .default(DEFAULT_LIST_LIMIT)
    .openapi({ param: { name: 'limit', in: 'query' }, description: `1-${MAX_LIST_LIMIT}, default ${DEFAULT_LIST_LIMIT}` }),
});

const SessionList = z
  .object({
    sessions: z.array(SessionView),
    next_cursor: z.string().nullable().openapi({
      description: 'Pass it as cursor for the next page; null on the last page. A filtered page may hold fewer than limit sessions and still have a next page.',
    }),
  })
  .openapi('SessionList');

const listSessions = createRoute({
  method: 'get',
  path: '/api/sessions',
  summary: 'List sessions (of a workspace, or the fleet), filtered by status or a search, a page at a time',
  request: { query: ListQuery },
  responses: { 200: json(SessionList, 'One page, in session id order (ordered by the matching id or phone with search)'), ...COMMON_ERRORS },
});

/**
 * `GET /api/sessions`: a page of the session index (`SessionStore.list`), never a scan of every
 * record; only the records shown are read.
 */
export function registerSessionListRoute(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(listSessions, async (c) => {
    const query = c.req.valid('query');
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === undefined) {
      throw new ApiError('INVALID_CURSOR', 'cursor is not one this API handed out (pass next_cursor unchanged)');
    }
    // A workspace key lists its own workspace (naming another is 404 WORKSPACE_NOT_FOUND); admin keys any or all.
    const workspaceId = workspaceFilter(c, query.workspace_id);
    const page = await deps.sessions.list({
      limit: query.limit,
      ...(workspaceId === undefined ? {} : { workspaceId }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.search === undefined ? {} : { search: query.search }),
      ...(after === undefined ? {} : { after }),
    });
    const linking = canLink(c);
    const sessions = page.records.map((record) => {
      const route = deps.cluster.route(record.workspaceId);
      return sessionView(record, route.ownerLive ? route.owner : null, linking);
    });
    return c.json({ sessions, next_cursor: page.nextCursor ?? null }, 200);
  });
}
