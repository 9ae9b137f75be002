/**
 * What a workspace key may do, each within its own workspace. A key created without scopes gets all
 * of them (stored as the full list, so a scope added later is not granted to existing keys).
 */
export const SCOPES = ['sessions:read', 'sessions:write', 'messages:send', 'events:read', 'webhooks:write'] as const;

export type Scope = (typeof SCOPES)[number];

/** One line per scope, for help texts and docs. */
export const SCOPE_SUMMARIES: Readonly<Record<Scope, string>> = {
  'sessions:read': "read the workspace's sessions and message statuses",
  'sessions:write': 'create, start, stop, delete and link (QR) sessions',
  'messages:send': 'send, edit and revoke messages; upload media',
  'events:read': 'read events, dead letters and media (they carry message contents)',
  'webhooks:write': "set, read and remove the workspace's webhook; replay dead letters",
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * The scopes of a new key: `undefined` or an empty list means all of them; otherwise each must be a
 * known scope (unknown ones are named in the error). Answered deduplicated, in the canonical order.
 */
export function normalizeScopes(requested: readonly string[] | undefined): Scope[] {
  if (!requested || requested.length === 0) return [...SCOPES];
  const unknown = requested.filter((scope) => !isScope(scope));
  if (unknown.length > 0) throw new RangeError(`unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
  return SCOPES.filter((scope) => requested.includes(scope));
}
