import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { EventLog, type FleetEvent } from '@fleet/events';
import { assertOwnWorkspace, canLink } from '../auth/principal';
import type { IngressDeps } from '../deps';
import { WorkspaceIdText } from '../schemas';
import { COMMON_ERRORS } from './responses';

const EventView = z
  .object({
    id: z.string(),
    type: z.string(),
    workspace_id: z.number(),
    sequence: z.number(),
    occurred_at: z.number(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('Event');

const EventsPage = z
  .object({
    workspace_id: z.number(),
    events: z.array(EventView),
    next_since: z.number().openapi({ description: 'Pass as since to read on' }),
    latest_sequence: z.number(),
    oldest_available: z.number().openapi({ description: 'Lowest sequence still stored (0 = none)' }),
    truncated: z.boolean().openapi({ description: 'True when events after since have aged out of retention' }),
  })
  .openapi('EventsPage');

const listEvents = createRoute({
  method: 'get',
  path: '/api/events',
  summary: "A workspace's events after a sequence number, oldest first (catch-up after downtime)",
  request: {
    query: z.object({
      workspace_id: WorkspaceIdText.openapi({ param: { name: 'workspace_id', in: 'query' }, example: 5 }),
      since: z.coerce
        .number()
        .int()
        .min(0)
        .default(0)
        .openapi({ param: { name: 'since', in: 'query' }, example: 0 }),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(100)
        .openapi({ param: { name: 'limit', in: 'query' }, example: 100 }),
    }),
  },
  responses: { 200: { description: 'Events', content: { 'application/json': { schema: EventsPage } } }, ...COMMON_ERRORS },
});

export function registerEventRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  const log = new EventLog(deps.redis, deps.keys);
  app.openapi(listEvents, async (c) => {
    const { workspace_id: workspaceId, since, limit } = c.req.valid('query');
    assertOwnWorkspace(c, workspaceId);
    const page = await log.since(workspaceId, since, limit);
    const last = page.events[page.events.length - 1];
    const events = canLink(c) ? page.events : page.events.map(withoutLinkSecrets);
    return c.json(
      {
        workspace_id: workspaceId,
        events: events as unknown as Array<z.infer<typeof EventView>>,
        next_since: last ? last.sequence : Math.max(since, 0),
        latest_sequence: page.latestSequence,
        oldest_available: page.oldestSequence,
        truncated: page.oldestSequence > since + 1,
      },
      200,
    );
  });
}

/** Fields of an event that would let its reader link a device to the session: a QR or a pairing code. */
const LINK_SECRETS: Readonly<Record<string, readonly string[]>> = { 'session.qr': ['qr'], 'session.pairing_code': ['code'] };

/**
 * The event as a key without `sessions:write` reads it: a QR or pairing code is null, as in the session's
 * status (only a key that may link a device sees them); everything else, expiry included, is kept.
 */
function withoutLinkSecrets(event: FleetEvent): FleetEvent {
  const fields = LINK_SECRETS[event.type];
  if (!fields) return event;
  const data: Record<string, unknown> = { ...event.data };
  for (const field of fields) if (field in data) data[field] = null;
  return { ...event, data } as unknown as FleetEvent;
}
