import { Hono } from 'hono';
import type { Registry } from '@fleet/metrics';

export interface HealthSource {
  readonly instanceId: string;
  readonly maxSessions: number;
  sessionCount(): number;
  /** False while the worker cannot renew its registration (it is fencing itself). */
  isHealthy(): boolean;
}

/** The worker's own HTTP surface: `/health` in the shape the checklist's HealthMonitor reads, `/metrics`. */
export function createWorkerHttp(source: HealthSource, registry: Registry): Hono {
  const app = new Hono();
  app.get('/health', (c) => {
    const total = source.sessionCount();
    const healthy = source.isHealthy();
    const body = {
      status: healthy ? 'healthy' : 'unhealthy',
      instance_id: source.instanceId,
      sessions: {
        total,
        max: source.maxSessions,
        utilization: Math.round((total / source.maxSessions) * 10_000) / 10_000,
      },
    };
    return c.json(body, healthy ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', registry.contentType);
    return c.body(await registry.metrics());
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  return app;
}
