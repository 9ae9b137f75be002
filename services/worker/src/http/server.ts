import { Hono } from 'hono';
import type { Registry } from '@fleet/metrics';
import { measureStorageLatency } from '@fleet/operations';
import { requireAdminKey } from './admin-key';

export interface HealthSource {
  readonly instanceId: string;
  readonly maxSessions: number;
  sessionCount(): number;
  /** False while the worker cannot renew its registration (it is fencing itself). */
  isHealthy(): boolean;
  /** SESSION_STORAGE_PATH, measured by `GET /storage-check` (fleetctl storage-check). */
  readonly storagePath?: string;
  /** Admin keys (API_KEYS) accepted on the routes that act or reveal internals; none: those routes answer 403. */
  readonly apiKeys: readonly string[];
}

/**
 * The worker's own HTTP surface: `/health` in the shape the checklist's HealthMonitor reads and
 * `/metrics`, open to probes and Prometheus; `/storage-check` (work on the shared storage, its path)
 * only with an admin key.
 */
export function createWorkerHttp(source: HealthSource, registry: Registry): Hono {
  const app = new Hono();
  const admin = requireAdminKey(source.apiKeys);
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
  // Write/fsync/rename/read latency of the shared storage as this worker sees it: it does work, so it
  // needs an admin key.
  app.get('/storage-check', admin, async (c) => {
    if (!source.storagePath) return c.json({ error: { code: 'NOT_FOUND', message: 'no storage path configured' } }, 404);
    const result = await measureStorageLatency(source.storagePath, { rounds: 10 });
    return c.json({ instance_id: source.instanceId, ...result });
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', registry.contentType);
    return c.body(await registry.metrics());
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  return app;
}
