import type { Context } from 'hono';
import { principalOf } from '../auth/principal';
import type { IngressDeps } from '../deps';
import { rateLimited, showRateLimit } from './rate-limiter';

/**
 * Takes one send from the session's bucket (RATE_LIMIT_SESSION_SENDS_PER_MINUTE) for a request made
 * with a workspace key: 429 RATE_LIMITED (`details.limit: "session"`) when it is empty. Admin keys are
 * not limited here; every key's sends are paced per session by the worker anyway (SEND_RATE_PER_SESSION).
 */
export async function takeSessionSend(c: Context, deps: IngressDeps, sessionId: string): Promise<void> {
  const limit = deps.rateLimits.sessionSendsPerMinute;
  if (limit <= 0 || principalOf(c)?.kind !== 'workspace') return;
  const result = await deps.rateLimiter.take(deps.keys.rateLimitSession(sessionId), limit);
  if (!result.allowed) throw rateLimited(c, result, { limit: 'session', session_id: sessionId });
  showRateLimit(c, result);
}
