import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { DeliveryLedger } from '@fleet/events';
import type { DispatcherMetrics } from './metrics';

export interface HealthSource {
  readonly redis: Redis;
  readonly ledger: DeliveryLedger;
  readonly metrics: DispatcherMetrics;
  readonly instanceId: string;
  readonly receiverConfigured: boolean;
  activeWorkspaces(): number;
}

/** `/health` and `/metrics` of the dispatcher. */
export function createDispatcherHttp(source: HealthSource): Hono {
  const app = new Hono();
  app.get('/health', async (c) => {
    const base = {
      service: 'dispatcher' as const,
      instance_id: source.instanceId,
      default_receiver: source.receiverConfigured ? 'configured' : 'none',
      active_workspaces: source.activeWorkspaces(),
    };
    try {
      const pending = await source.ledger.pendingCount();
      source.metrics.pendingWorkspaces.set(pending);
      return c.json({ status: 'healthy', redis: 'up', pending_workspaces: pending, ...base }, 200);
    } catch {
      return c.json({ status: 'unhealthy', redis: 'down', pending_workspaces: null, ...base }, 503);
    }
  });
  app.get('/metrics', async (c) => {
    source.metrics.pendingWorkspaces.set(await source.ledger.pendingCount().catch(() => 0));
    c.header('Content-Type', source.metrics.registry.contentType);
    return c.body(await source.metrics.registry.metrics());
  });
  return app;
}
