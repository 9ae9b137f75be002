import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { ApiError } from '@fleet/errors';
import type { Keys } from '@fleet/keys';
import { rateLimited, showRateLimit, type RateLimiter, type RateLimitSettings } from '../rate-limit/rate-limiter';
import type { Authenticator } from './authenticator';
import { setPrincipal, type Principal } from './principal';
import { ADMIN, accessOf, openApiPath, type Access } from './route-access';

export interface AccessControlOptions {
  readonly authenticator: Authenticator;
  readonly limiter: RateLimiter;
  readonly limits: RateLimitSettings;
  readonly keys: Keys;
}

/**
 * The route a request matched, as the access table writes it (`GET /api/sessions/{id}/status`);
 * undefined when no route matched (a 404 follows). Middleware (`app.use`) is registered for ALL methods.
 */
export function matchedRoute(c: Context): string | undefined {
  const route = matchedRoutes(c).find((entry) => entry.method !== 'ALL');
  return route ? openApiPath(route.path) : undefined;
}

/**
 * Every request: finds its route's access in ROUTE_ACCESS; for a route that needs a key, tells whose
 * the bearer key is (401 otherwise), takes a request from the key's rate limit (429), and checks the
 * key may use the route (403 FORBIDDEN for a workspace key on an admin route, 403 SCOPE_REQUIRED for a
 * missing scope). A route missing from the table is served to admin keys only. An unmatched `/api/*`
 * path needs a key too (then 404); other unmatched paths answer 404 at once.
 */
export function accessControl(options: AccessControlOptions): MiddlewareHandler {
  return async (c, next) => {
    const path = matchedRoute(c);
    const access: Access | undefined = path === undefined ? undefined : (accessOf(c.req.method, path) ?? ADMIN);
    if (access?.kind === 'public' || (access === undefined && !c.req.path.startsWith('/api/'))) return next();
    const principal = await options.authenticator.authenticate(c.req.header('authorization'));
    setPrincipal(c, principal);
    await takeRequest(c, principal, options);
    if (access) authorize(principal, access);
    return next();
  };
}

async function takeRequest(c: Context, principal: Principal, options: AccessControlOptions): Promise<void> {
  const limit = principal.kind === 'admin' ? options.limits.adminPerMinute : options.limits.keyPerMinute;
  if (limit <= 0) return;
  const result = await options.limiter.take(options.keys.rateLimitKey(principal.bucket), limit);
  if (!result.allowed) throw rateLimited(c, result, { limit: 'key' });
  showRateLimit(c, result);
}

function authorize(principal: Principal, access: Access): void {
  if (principal.kind === 'admin' || access.kind === 'any') return;
  if (access.kind === 'admin') throw new ApiError('FORBIDDEN', 'this route needs an admin key; workspace keys cannot use it');
  if (access.kind === 'scope' && !principal.scopes.includes(access.scope)) {
    throw new ApiError('SCOPE_REQUIRED', `this key lacks the scope ${access.scope}`, { scope: access.scope });
  }
}
