import { SCOPES, SCOPE_SUMMARIES } from '@fleet/api-keys';
import { accessLabel, ROUTE_ACCESS, type Access } from './route-access';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** The bearer scheme of the OpenAPI document: both kinds of key and the scopes. */
export const BEARER_SCHEME = {
  type: 'http' as const,
  scheme: 'bearer',
  description: [
    'Admin keys (`API_KEYS`) may call every route. Workspace keys (`fk_<key id>_<secret>`, made with `POST /api/admin/keys` or',
    "`fleetctl keys create`) act on one workspace (another workspace's resources answer 404) and need the scope each",
    'operation names in `x-fleet-scope` (403 SCOPE_REQUIRED otherwise); `admin` operations refuse them (403 FORBIDDEN).',
    `Scopes: ${SCOPES.map((scope) => `\`${scope}\` (${SCOPE_SUMMARIES[scope]})`).join(', ')}.`,
    'Rate limits answer 429 RATE_LIMITED with Retry-After; every /api answer to a limited key carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.',
  ].join(' '),
};

function accessText(access: Access): string {
  switch (access.kind) {
    case 'public':
      return 'Access: public (no API key).';
    case 'any':
      return 'Access: any valid API key (admin or workspace).';
    case 'admin':
      return 'Access: admin keys only (workspace keys get 403 FORBIDDEN).';
    case 'scope':
      return `Access: admin keys, or workspace keys with the scope \`${access.scope}\` on their own workspace.`;
  }
}

/** The parts of an OpenAPI operation written here. */
interface Operation {
  description?: string;
  security?: Array<Record<string, string[]>>;
  'x-fleet-scope'?: string;
}
interface Document {
  paths?: object;
}

/**
 * Writes each operation's access from ROUTE_ACCESS into the OpenAPI document: `x-fleet-scope`
 * (`public`, `any`, `admin` or the scope), `security` (none for public routes) and a line of its
 * description. An operation missing from the table gets none of these (the access test fails on it).
 */
export function withAccess<T extends Document>(document: T): T {
  for (const [path, item] of Object.entries(document.paths ?? {}) as Array<[string, Partial<Record<(typeof METHODS)[number], Operation>>]>) {
    for (const method of METHODS) {
      const operation = item[method];
      const access = operation ? ROUTE_ACCESS[`${method.toUpperCase()} ${path}`] : undefined;
      if (!operation || !access) continue;
      operation['x-fleet-scope'] = accessLabel(access);
      operation.security = access.kind === 'public' ? [] : [{ bearer: [] }];
      operation.description = operation.description ? `${operation.description}\n\n${accessText(access)}` : accessText(access);
    }
  }
  return document;
}
