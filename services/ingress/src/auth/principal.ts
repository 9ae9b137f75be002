import type { Context } from 'hono';
import { SCOPES, type Scope } from '@fleet/api-keys';
import { ApiError } from '@fleet/errors';

/** Who made a request: an admin key (everything) or a workspace key (its workspace, its scopes). */
export type Principal =
  | { readonly kind: 'admin'; readonly id: null; readonly workspaceId: null; readonly scopes: readonly Scope[]; readonly bucket: string }
  | { readonly kind: 'workspace'; readonly id: string; readonly workspaceId: number; readonly scopes: readonly Scope[]; readonly bucket: string };

export const adminPrincipal = (bucket: string): Principal => ({ kind: 'admin', id: null, workspaceId: null, scopes: SCOPES, bucket });

const PRINCIPAL = 'principal' as never;

export function setPrincipal(c: Context, principal: Principal): void {
  c.set(PRINCIPAL, principal as never);
}

/** The request's principal; undefined on public routes. */
export function principalOf(c: Context): Principal | undefined {
  return c.get(PRINCIPAL) as Principal | undefined;
}

/**
 * Whether the request may link a device to a session (`sessions:write`): only then does a session's
 * view carry its QR and pairing code, as only then may it call `/qr` and `/pairing-code`. A request
 * with no principal (auth off) may.
 */
export function canLink(c: Context): boolean {
  const principal = principalOf(c);
  return principal === undefined || principal.scopes.includes('sessions:write');
}

/** Whether the request may see resources of `workspaceId`: admin keys all, a workspace key its own. */
export function canSee(c: Context, workspaceId: number): boolean {
  const principal = principalOf(c);
  return principal !== undefined && (principal.kind === 'admin' || principal.workspaceId === workspaceId);
}

/**
 * A resource found by its id (session, message, media …) that the key may not see answers exactly as
 * a missing one: `notFound()` is the route's own not-found error.
 */
export function assertVisible(c: Context, workspaceId: number, notFound: () => Error): void {
  if (!canSee(c, workspaceId)) throw notFound();
}

/** A workspace the request names (path, query, body, form): a workspace key may name only its own. */
export function assertOwnWorkspace(c: Context, workspaceId: number): void {
  if (!canSee(c, workspaceId)) {
    throw new ApiError('WORKSPACE_NOT_FOUND', 'no such workspace for this key', { workspace_id: workspaceId });
  }
}

/**
 * The workspace a listing covers: for an admin key the one asked for (undefined: every workspace); for
 * a workspace key its own, and WORKSPACE_NOT_FOUND when another is asked for.
 */
export function workspaceFilter(c: Context, requested: number | undefined): number | undefined {
  const principal = principalOf(c);
  if (!principal || principal.kind === 'admin') return requested;
  if (requested !== undefined) assertOwnWorkspace(c, requested);
  return principal.workspaceId;
}
