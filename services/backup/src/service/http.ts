import { Hono } from 'hono';
import type { Registry } from '@fleet/metrics';

export interface BackupHealthSource {
  readonly instanceId: string;
  /** Last successful snapshot, if any since this process started. */
  lastSuccess(): { id: string; at: number } | undefined;
  lastError(): string | undefined;
}

/** `/health` (age of the last snapshot this process took) and `/metrics`. */
export function createBackupHttp(source: BackupHealthSource, registry: Registry): Hono {
  const app = new Hono();
  app.get('/health', (c) => {
    const last = source.lastSuccess();
    return c.json({
      status: 'healthy',
      instance_id: source.instanceId,
      last_snapshot: last ? { id: last.id, age_seconds: Math.round((Date.now() - last.at) / 1000) } : null,
      last_error: source.lastError() ?? null,
    });
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', registry.contentType);
    return c.body(await registry.metrics());
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404));
  return app;
}
