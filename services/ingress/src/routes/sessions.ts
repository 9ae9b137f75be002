import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import { jobId, sessionJob, type SessionRecord } from '@fleet/state';
import { assertOwnWorkspace, canLink, canSee } from '../auth/principal';
import { fleetLoad, sharedRead } from '../capacity';
import type { IngressDeps } from '../deps';
import { CreateSessionBody, SessionId, SessionView } from '../schemas';
import { sessionView } from '../views';
import { wakeOwner } from '../worker-wake';
import { COMMON_ERRORS, CONFLICT, NOT_FOUND, json } from './responses';
import { assertNotRestoring } from './restoring';
import { assertNotLoggingOut } from './session-access';
import { assertDestination } from './destination-check';
import { PROXY_REFUSAL } from './session-proxy';

const IdParam = z.object({ id: SessionId.openapi({ param: { name: 'id', in: 'path' } }) });

const createSession = createRoute({
  method: 'post',
  path: '/api/sessions/create',
  summary: 'Create (or repeat the creation of) a session; the owning worker starts it',
  request: { body: { required: true, content: { 'application/json': { schema: CreateSessionBody } } } },
  responses: {
    202: json(SessionView, 'Accepted: the start command is queued for the owning worker'),
    200: json(SessionView, 'The session already exists with the same workspace and account'),
    ...COMMON_ERRORS,
    ...CONFLICT,
  },
});

const deleteSession = createRoute({
  method: 'delete',
  path: '/api/sessions/{id}',
  summary: 'Log the device out and remove the session and its state',
  request: { params: IdParam },
  responses: { 202: json(SessionView, 'Deletion queued'), ...COMMON_ERRORS, ...NOT_FOUND, ...CONFLICT },
});

const sessionStatus = createRoute({
  method: 'get',
  path: '/api/sessions/{id}/status',
  summary: 'Status, owner and pending QR of a session, read straight from Redis',
  request: { params: IdParam },
  responses: { 200: json(SessionView, 'The session'), ...COMMON_ERRORS, ...NOT_FOUND },
});

export function registerSessionRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  const shardCounts = sharedRead(() => deps.sessions.countsByShard(deps.cluster.snapshot.shardCount));
  app.openapi(createSession, async (c) => {
    const body = c.req.valid('json');
    assertOwnWorkspace(c, body.workspace_id);
    const route = deps.cluster.route(body.workspace_id);
    // The checks and the reads start together (one write to Redis); the refusals keep this order.
    const checks = [
      assertNotRestoring(deps, body.session_id),
      // A proxy must be a public host unless PROXY_ALLOW names it: refused before anything is stored.
      body.proxy_url ? assertDestination(deps.proxyGuard, body.proxy_url, PROXY_REFUSAL) : undefined,
    ];
    const reads = Promise.all([deps.sessions.get(body.session_id), shardCounts()]);
    for (const pending of [...checks, reads]) pending?.catch(() => undefined);
    for (const check of checks) await check;
    const [existing, counts] = await reads;
    if (!existing) assertCapacity(deps, route.owner, counts);
    else assertNotLoggingOut(existing);
    const outcome = await deps.sessions.create({
      sessionId: body.session_id,
      workspaceId: body.workspace_id,
      accountId: body.account_id,
      shard: route.shard,
      ...(body.phone_number ? { pairingPhone: body.phone_number } : {}),
      // Sealed with the session id as additional data: the URL is never stored, logged or shown in clear.
      ...(body.proxy_url ? { proxy: deps.secrets.sealProxy(body.proxy_url, body.session_id) } : {}),
    });
    if (outcome.kind === 'conflict') {
      deps.metrics.sessionsCreated.inc({ outcome: 'rejected' });
      throw new ApiError('SESSION_EXISTS', 'session_id is already used by another workspace or account', { session_id: body.session_id });
    }
    if (outcome.kind === 'deleting') {
      deps.metrics.sessionsCreated.inc({ outcome: 'rejected' });
      throw new ApiError('SESSION_EXISTS', 'session is being deleted; retry when the delete has finished', { session_id: body.session_id });
    }
    const { record } = outcome;
    // Straight to the worker that runs the shard when it listens (a lost wake-up: its reconcile starts it).
    await wakeOwner(
      deps,
      { name: 'session.start', shard: route.shard, job: sessionJob(record), jobId: jobId('start', record.sessionId, record.incarnation || record.createdAt) },
      record.workspaceId,
    );
    deps.metrics.sessionsCreated.inc({ outcome: outcome.kind === 'created' ? 'created' : 'existing' });
    const owner = route.ownerLive ? route.owner : null;
    return c.json(sessionView(record, owner), outcome.kind === 'created' ? 202 : 200);
  });

  app.openapi(deleteSession, async (c) => {
    const { id } = c.req.valid('param');
    const record = await deps.sessions.get(id);
    if (!record || !canSee(c, record.workspaceId)) throw new ApiError('SESSION_NOT_FOUND', 'no such session', { session_id: id });
    await assertNotRestoring(deps, id);
    const now = Date.now();
    await deps.sessions.update(id, { desired: 'deleted', status: 'deleting' }, now);
    await deps.queues.add(record.shard, 'session.logout', sessionJob(record), jobId('logout', id, record.incarnation || record.createdAt));
    const route = deps.cluster.route(record.workspaceId);
    const deleting: SessionRecord = { ...record, desired: 'deleted', status: 'deleting', updatedAt: now };
    return c.json(sessionView(deleting, route.ownerLive ? route.owner : null), 202);
  });

  app.openapi(sessionStatus, async (c) => {
    const { id } = c.req.valid('param');
    const record = await deps.sessions.get(id);
    if (!record || !canSee(c, record.workspaceId)) throw new ApiError('SESSION_NOT_FOUND', 'no such session', { session_id: id });
    const route = deps.cluster.route(record.workspaceId);
    return c.json(sessionView(record, route.ownerLive ? route.owner : null, canLink(c)), 200);
  });
}

/** 503 instead of queueing forever: no live worker, the owner is full, or the whole fleet is. */
function assertCapacity(deps: IngressDeps, owner: string, countsByShard: readonly number[]): void {
  const snapshot = deps.cluster.snapshot;
  if (snapshot.workers.length === 0) throw new ApiError('NO_WORKERS', 'no worker is alive; start a worker and retry');
  const load = fleetLoad(snapshot, countsByShard);
  if (load.sessions >= load.maxSessions) {
    throw new ApiError('FLEET_AT_CAPACITY', 'every worker is at MAX_SESSIONS_PER_INSTANCE; add a worker', {
      sessions: load.sessions,
      max_sessions: load.maxSessions,
    });
  }
  const instance = load.instances.find((entry) => entry.instanceId === owner);
  if (instance && instance.sessions >= instance.maxSessions) {
    throw new ApiError('INSTANCE_AT_CAPACITY', `instance ${owner} is full; rebalance or raise MAX_SESSIONS_PER_INSTANCE`, {
      instance: owner,
      sessions: instance.sessions,
      max_sessions: instance.maxSessions,
    });
  }
}
