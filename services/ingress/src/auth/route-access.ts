import type { Scope } from '@fleet/api-keys';

/**
 * Who may call a route:
 * - `public`: no key (health, metrics, the OpenAPI document, signed media links, static pages);
 * - `any`: any valid key, admin or workspace;
 * - `admin`: admin keys (`API_KEYS`) only; a workspace key gets 403 FORBIDDEN;
 * - a scope: admin keys, and workspace keys holding that scope (403 SCOPE_REQUIRED otherwise), each
 *   only on its own workspace's resources (the route answers 404 for another workspace's).
 */
export type Access = { readonly kind: 'public' } | { readonly kind: 'any' } | { readonly kind: 'admin' } | { readonly kind: 'scope'; readonly scope: Scope };

export const PUBLIC: Access = Object.freeze({ kind: 'public' });
export const ANY_KEY: Access = Object.freeze({ kind: 'any' });
export const ADMIN: Access = Object.freeze({ kind: 'admin' });
const needs = (scope: Scope): Access => Object.freeze({ kind: 'scope', scope });

/**
 * THE table of every route the ingress serves and the access it needs: one line per route, keyed by
 * `METHOD path` with the path as OpenAPI writes it (`{id}`; a static tree as `/console/*`). The access
 * middleware looks a request's matched route up here; a route missing from it is served to admin keys
 * only (and `route-access.test.ts` fails). The OpenAPI document (`x-fleet-scope`, `security`) and
 * docs/api.md's route table come from it.
 */
export const ROUTE_ACCESS: Readonly<Record<string, Access>> = Object.freeze({
  // Public (no key).
  'GET /health': PUBLIC,
  'GET /metrics': PUBLIC,
  'GET /openapi.json': PUBLIC,
  'GET /media/{id}': PUBLIC, // the signed link's signature is the credential
  'GET /docs': PUBLIC, // the Swagger UI of /openapi.json: its page, start script and assets
  'GET /docs/': PUBLIC,
  'GET /docs/init.js': PUBLIC,
  'GET /docs/assets/{version}/{name}': PUBLIC,
  'GET /console': PUBLIC, // the web console's static files; it calls the API with the user's key
  'GET /console/assets/{name}': PUBLIC,
  'GET /console/*': PUBLIC,

  // Any valid key.
  'GET /api/keys/current': ANY_KEY,

  // Sessions.
  'POST /api/sessions/create': needs('sessions:write'),
  'GET /api/sessions/{id}/status': needs('sessions:read'),
  'GET /api/sessions/{id}/qr': needs('sessions:write'), // a QR links a device to the session: a write
  'POST /api/sessions/{id}/stop': needs('sessions:write'),
  'POST /api/sessions/{id}/start': needs('sessions:write'),
  'DELETE /api/sessions/{id}': needs('sessions:write'),
  'GET /api/sessions': needs('sessions:read'), // a workspace key lists its own workspace
  'POST /api/sessions/{id}/restart': needs('sessions:write'),
  'POST /api/sessions/{id}/logout': needs('sessions:write'),
  'POST /api/sessions/{id}/pair': needs('sessions:write'),
  'GET /api/sessions/{id}/pairing-code': needs('sessions:write'), // like the QR: it links a device
  'PUT /api/sessions/{id}/proxy': needs('sessions:write'),
  'GET /api/contacts/check': needs('messages:send'), // asks WhatsApp through the session, ahead of sending

  // Messages and media.
  'POST /api/messages/send': needs('messages:send'),
  'GET /api/messages/{id}': needs('sessions:read'), // status and times only, never the text
  'PATCH /api/messages/{id}': needs('messages:send'),
  'DELETE /api/messages/{id}': needs('messages:send'),
  'POST /api/media': needs('messages:send'),
  'GET /api/media/{id}': needs('events:read'), // media are message contents, as events are

  // Events, webhooks, dead letters.
  'GET /api/events': needs('events:read'),
  'GET /api/workspaces/{id}/dead-letters': needs('events:read'),
  'POST /api/workspaces/{id}/dead-letters/replay': needs('webhooks:write'),
  'PUT /api/workspaces/{id}/webhook': needs('webhooks:write'),
  'GET /api/workspaces/{id}/webhook': needs('webhooks:write'),
  'DELETE /api/workspaces/{id}/webhook': needs('webhooks:write'),

  // The fleet and its operations: admin keys only.
  'GET /api/instances': ADMIN,
  'GET /api/health/instances': ADMIN,
  'POST /api/admin/workspaces/{id}/migrate': ADMIN,
  'DELETE /api/admin/workspaces/{id}/pin': ADMIN,
  'POST /api/admin/instances/{id}/drain': ADMIN,
  'GET /api/admin/rebalance': ADMIN,
  'POST /api/admin/rebalance': ADMIN,
  'GET /api/admin/audit': ADMIN,
  'POST /api/admin/keys': ADMIN,
  'GET /api/admin/keys': ADMIN,
  'DELETE /api/admin/keys/{id}': ADMIN,
  'GET /api/admin/backups': ADMIN,
  'POST /api/admin/backups': ADMIN,
  'POST /api/admin/backups/{id}/verify': ADMIN,
});

/** `/api/sessions/:id/status` (Hono) → `/api/sessions/{id}/status` (OpenAPI, the table's form). */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');
}

/** The access of a route (`method` upper case; HEAD is served by GET routes); undefined when undeclared. */
export function accessOf(method: string, path: string): Access | undefined {
  return ROUTE_ACCESS[`${method === 'HEAD' ? 'GET' : method} ${path}`];
}

/** The label of an access in OpenAPI (`x-fleet-scope`) and the docs: `public`, `any`, `admin` or the scope. */
export function accessLabel(access: Access): string {
  return access.kind === 'scope' ? access.scope : access.kind;
}
