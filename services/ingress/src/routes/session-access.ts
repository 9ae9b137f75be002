import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '@fleet/errors';
import type { SessionRecord } from '@fleet/state';
import type { IngressDeps } from '../deps';
import { SessionId } from '../schemas';
import { canSee } from '../auth/principal';
import { sessionView } from '../views';
import { assertNotRestoring } from './restoring';

/** The `{id}` path parameter of the session routes. */
export const IdParam = z.object({ id: SessionId.openapi({ param: { name: 'id', in: 'path' } }) });

/** The session, when it exists and the key may see it (404 SESSION_NOT_FOUND otherwise, the same for both). */
export async function requireSession(deps: IngressDeps, c: Context, id: string): Promise<SessionRecord> {
  const record = await deps.sessions.get(id);
  if (!record || !canSee(c, record.workspaceId)) throw new ApiError('SESSION_NOT_FOUND', 'no such session', { session_id: id });
  return record;
}

/** A session being deleted cannot be acted on any more; one being restored waits for the restore. */
export async function requireLiveSession(deps: IngressDeps, c: Context, id: string): Promise<SessionRecord> {
  const record = await requireSession(deps, c, id);
  if (record.desired === 'deleted') throw new ApiError('SESSION_NOT_FOUND', 'the session is being deleted', { session_id: id, status: record.status });
  await assertNotRestoring(deps, id);
  return record;
}

/** 409 while a logout (the API's) is unlinking the device: a start or pair then would race it. */
export function assertNotLoggingOut(record: SessionRecord): void {
  if (record.desired === 'logged_out' && record.status !== 'logged_out') {
    throw new ApiError('SESSION_LOGGING_OUT', 'a logout of this session is in progress; retry when its status is logged_out', {
      session_id: record.sessionId,
      status: record.status,
    });
  }
}

/** The session as it is now (re-read after a change), with its live owner. */
export async function currentView(deps: IngressDeps, record: SessionRecord): Promise<ReturnType<typeof sessionView>> {
  const route = deps.cluster.route(record.workspaceId);
  return sessionView((await deps.sessions.get(record.sessionId)) ?? record, route.ownerLive ? route.owner : null);
}
