import { createRedis } from '@fleet/redis';
import { serve, type ServerType } from '@hono/node-server';
import { DeliveryLedger } from '@fleet/events';
import { createKeys } from '@fleet/keys';
import { createLogger, type Logger } from '@fleet/logger';
import type { DispatcherConfig } from './config';
import { createDispatcherHttp } from './http';
import { createDispatcherMetrics, type DispatcherMetrics } from './metrics';
import { Scheduler } from './scheduler';
import { runWorkspaceTurn } from './workspace-turn';

export interface Dispatcher {
  readonly metrics: DispatcherMetrics;
  /** Subscribes to new events, starts delivering and serving /health and /metrics. */
  start(): Promise<{ port: number; url: string }>;
  /** Stops taking workspaces, lets running deliveries finish, closes connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Delivers every workspace's events as signed webhooks, in order, with retries and dead letters. */
export function createDispatcher(config: DispatcherConfig, options: { logger?: Logger } = {}): Dispatcher {
  const logger = options.logger ?? createLogger({ service: 'dispatcher', level: config.common.logLevel, defaultMeta: { instance: config.instanceId } });
  const redis = createRedis(config.common.redisUrl, { maxRetriesPerRequest: null, enableAutoPipelining: true });
  redis.on('error', (error) => logger.warn('redis error', { error: error.message }));
  const subscriber = createRedis(config.common.redisUrl, { maxRetriesPerRequest: null });
  subscriber.on('error', (error) => logger.warn('redis (subscriber) error', { error: error.message }));
  const keys = createKeys(config.common.redisPrefix);
  const metrics = createDispatcherMetrics();
  const ledger = new DeliveryLedger(redis, keys, {
    lockMs: config.timeoutMs + 10_000,
    retainEvents: config.retainEvents,
    retainDeadLetters: config.retainDeadLetters,
    retainDeadLettersMs: config.retainDeadLettersMs,
  });
  const warned = new Set<number>();
  const onNoReceiver = (workspaceId: number): void => {
    if (warned.has(workspaceId) || warned.size > 10_000) return;
    warned.add(workspaceId);
    logger.warn('no receiver configured for a workspace: its newest events (DISPATCHER_RETAIN_EVENTS) stay pending until a webhook or LARAVEL_API_URL is set', { workspaceId });
  };
  const scheduler = new Scheduler({
    instanceId: config.instanceId,
    concurrency: config.concurrency,
    pollMs: config.pollMs,
    ledger,
    logger,
    metrics,
    turn: (workspaceId, token) => runWorkspaceTurn({ config, ledger, logger, metrics, onNoReceiver }, workspaceId, token),
  });
  const http = createDispatcherHttp({
    redis, ledger, metrics, instanceId: config.instanceId, receiverConfigured: Boolean(config.laravelApiUrl),
    activeWorkspaces: () => scheduler.activeCount,
  });
  let server: ServerType | undefined;
  let closing: Promise<void> | undefined;

  return {
    metrics,
    async start() {
      // A workspace this process is delivering picks its new events up itself (park says 'more').
      subscriber.on('message', (_channel: string, workspaceId: string) => scheduler.wake(Number(workspaceId)));
      await subscriber.subscribe(keys.eventsChannel);
      const port = await new Promise<number>((resolve) => {
        server = serve({ fetch: http.fetch, hostname: config.host, port: config.port }, (info) => resolve(info.port));
      });
      scheduler.start();
      if (!config.laravelApiUrl) {
        logger.warn('LARAVEL_API_URL is not set: only workspaces with a webhook (PUT /api/workspaces/{id}/webhook) get events; the rest stay pending');
      }
      const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      logger.info('dispatcher started', { url });
      return { port, url };
    },
    close() {
      closing ??= (async () => {
        await scheduler.stop();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        subscriber.disconnect();
        redis.disconnect();
      })();
      return closing;
    },
  };
}
