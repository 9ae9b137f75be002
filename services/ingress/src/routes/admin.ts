import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import { auditWorkspaces, drainInstance, migrateWorkspace, pinWorkspace, rebalance, unpinWorkspace, type OperationsContext } from '@fleet/operations';
import type { IngressDeps } from '../deps';
import { fieldsOrEmptyArray, WorkspaceIdText } from '../schemas';
import { COMMON_ERRORS, NOT_FOUND, json } from './responses';

// The fleetctl operations over HTTP, for tooling that cannot run fleetctl (same code underneath).

const WorkspaceParam = z.object({
  id: WorkspaceIdText.openapi({ param: { name: 'id', in: 'path' }, example: 5 }),
});
const InstanceParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'instance-2' }),
});
const Anything = z.record(z.string(), z.unknown());

const migrate = createRoute({
  method: 'post',
  path: '/api/admin/workspaces/{id}/migrate',
  summary: 'Pin a workspace to an instance and move its sessions there (optionally waiting for each)',
  request: {
    params: WorkspaceParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.strictObject({ to: InstanceParam.shape.id, wait_seconds: z.number().int().min(0).max(120).default(0) }),
        },
      },
    },
  },
  responses: { 200: json(Anything, 'Moved (waited)'), 202: json(Anything, 'Pinned; sessions are moving'), ...COMMON_ERRORS, ...NOT_FOUND },
});

const unpin = createRoute({
  method: 'delete',
  path: '/api/admin/workspaces/{id}/pin',
  summary: 'Remove a workspace pin',
  request: { params: WorkspaceParam },
  responses: { 200: json(Anything, 'Unpinned (or was not pinned)'), ...COMMON_ERRORS },
});

const drain = createRoute({
  method: 'post',
  path: '/api/admin/instances/{id}/drain',
  summary: 'Move every session off an instance (undo: put it back in service)',
  request: {
    params: InstanceParam,
    body: { required: false, content: { 'application/json': { schema: fieldsOrEmptyArray(z.strictObject({ undo: z.boolean().default(false) })) } } },
  },
  responses: { 202: json(Anything, 'Draining (or back in service)'), ...COMMON_ERRORS, ...NOT_FOUND },
});

const rebalancePlan = createRoute({
  method: 'get',
  path: '/api/admin/rebalance',
  summary: 'What a rebalance would move and why (dry run)',
  responses: { 200: json(Anything, 'The plan'), ...COMMON_ERRORS },
});

const rebalanceApply = createRoute({
  method: 'post',
  path: '/api/admin/rebalance',
  summary: 'Apply a rebalance of sessions across instances',
  responses: { 200: json(Anything, 'The plan and whether it was applied'), ...COMMON_ERRORS },
});

const audit = createRoute({
  method: 'get',
  path: '/api/admin/audit',
  summary: 'Pre-migration audit: sessions and traffic per workspace, current and target instance',
  responses: { 200: json(z.object({ workspaces: z.array(Anything) }), 'One row per workspace'), ...COMMON_ERRORS },
});

export function registerAdminRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  const ops: OperationsContext = { redis: deps.redis, keys: deps.keys, cluster: deps.cluster, sessions: deps.sessions };

  app.openapi(migrate, async (c) => {
    const { id } = c.req.valid('param');
    const { to, wait_seconds: wait } = c.req.valid('json');
    if (wait === 0) {
      await pinWorkspace(ops, id, to);
      return c.json({ workspace_id: id, to, sessions: await deps.sessions.idsInWorkspace(id) }, 202);
    }
    const result = await migrateWorkspace(ops, id, to, { timeoutMs: wait * 1000 });
    const sessions = result.sessions.map((s) => ({ session_id: s.sessionId, instance: s.instance, status: s.status, settled: s.settled, seconds: s.seconds }));
    return c.json({ workspace_id: id, to, complete: result.complete, sessions }, 200);
  });

  app.openapi(unpin, async (c) => {
    const { id } = c.req.valid('param');
    return c.json({ workspace_id: id, unpinned: await unpinWorkspace(ops, id) }, 200);
  });

  app.openapi(drain, async (c) => {
    const { id } = c.req.valid('param');
    const undo = c.req.header('content-length') && c.req.header('content-length') !== '0' ? c.req.valid('json').undo : false;
    const snapshot = await deps.cluster.refresh();
    const worker = snapshot.workers.find((w) => w.instanceId === id);
    if (!worker) throw new ApiError('INSTANCE_NOT_FOUND', `no live instance ${id}`, { instance: id });
    // Respond at once: the move runs in the workers; GET /api/instances shows progress.
    void drainInstance(ops, id, { undo, timeoutMs: 0 }).catch((error: unknown) => deps.logger.warn('drain failed', { error }));
    return c.json({ instance: id, draining: !undo }, 202);
  });

  const planView = (plan: Awaited<ReturnType<typeof rebalance>>) => ({
    applied: plan.applied,
    placement_version: plan.placementVersion,
    moves: plan.moves.map((m) => ({ ...m })),
    before: { max: plan.before.max, mean: plan.before.mean, per_instance: { ...plan.before.perInstance } },
    after: { max: plan.after.max, mean: plan.after.mean, per_instance: { ...plan.after.perInstance } },
  });
  app.openapi(rebalancePlan, async (c) => c.json(planView(await rebalance(ops, { apply: false })), 200));
  app.openapi(rebalanceApply, async (c) => c.json(planView(await rebalance(ops, { apply: true })), 200));
  app.openapi(audit, async (c) => c.json({ workspaces: (await auditWorkspaces(ops)).map((row) => ({ ...row })) }, 200));
}
