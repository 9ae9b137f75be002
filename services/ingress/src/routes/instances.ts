import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { fleetLoad, utilization } from '../capacity';
import type { IngressDeps } from '../deps';
import { HealthSweepView, HealthView, InstancesView } from '../schemas';
import { COMMON_ERRORS } from './responses';

const instances = createRoute({
  method: 'get',
  path: '/api/instances',
  summary: 'Live workers with their shards, sessions and utilization',
  responses: { 200: { description: 'The fleet', content: { 'application/json': { schema: InstancesView } } }, ...COMMON_ERRORS },
});

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Health of the ingress and the fleet as it sees it (no API key needed)',
  responses: {
    200: { description: 'Healthy or degraded', content: { 'application/json': { schema: HealthView } } },
    503: { description: 'Unhealthy: Redis is down', content: { 'application/json': { schema: HealthView } } },
  },
});

export function registerInstanceRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(instances, async (c) => {
    const snapshot = await deps.cluster.refresh();
    const load = fleetLoad(snapshot, await deps.sessions.countsByShard(snapshot.shardCount));
    return c.json(
      {
        shard_count: snapshot.shardCount,
        placement_version: snapshot.placement.version,
        instances: load.instances.map((instance) => ({
          instance_id: instance.instanceId,
          url: instance.url,
          draining: instance.draining,
          shards: instance.shards,
          sessions: instance.sessions,
          max_sessions: instance.maxSessions,
          utilization: utilization(instance.sessions, instance.maxSessions),
          started_at: instance.startedAt,
        })),
        totals: {
          instances: load.instances.length,
          sessions: load.sessions,
          max_sessions: load.maxSessions,
          utilization: utilization(load.sessions, load.maxSessions),
        },
      },
      200,
    );
  });
}

const healthSweep = createRoute({
  method: 'get',
  path: '/api/health/instances',
  summary: "The last every-minute health sweep (the checklist's HealthMonitor): each instance healthy, unhealthy or unreachable",
  responses: {
    200: {
      description: 'The last sweep (one is run now if none was kept yet)',
      content: { 'application/json': { schema: HealthSweepView } },
    },
    ...COMMON_ERRORS,
  },
});

export function registerHealthSweepRoute(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(healthSweep, async (c) => {
    const result = (await deps.healthSweep.last()) ?? (await deps.healthSweep.runOnce());
    return c.json(
      { checked_at: result.checked_at, age_seconds: Math.round((Date.now() - result.checked_at) / 1000), instances: result.instances.map((i) => ({ ...i })) },
      200,
    );
  });
}

export function registerHealthRoute(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(health, async (c) => {
    try {
      const snapshot = await deps.cluster.refresh();
      const load = fleetLoad(snapshot, await deps.sessions.countsByShard(snapshot.shardCount));
      deps.metrics.liveWorkers.set(snapshot.workers.length);
      const status = snapshot.workers.length > 0 ? 'healthy' : 'degraded';
      const sessions = { total: load.sessions, max: load.maxSessions, utilization: utilization(load.sessions, load.maxSessions) };
      return c.json({ status, service: 'ingress' as const, redis: 'up' as const, workers: snapshot.workers.length, sessions }, 200);
    } catch (error) {
      deps.logger.warn('health check failed', { error });
      const sessions = { total: 0, max: 0, utilization: 0 };
      return c.json({ status: 'unhealthy' as const, service: 'ingress' as const, redis: 'down' as const, workers: 0, sessions }, 503);
    }
  });
}
