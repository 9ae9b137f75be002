import { createRedis } from '@fleet/redis';
import { serve, type ServerType } from '@hono/node-server';
import { DeliveryLedger } from '@fleet/events';
import { createKeys } from '@fleet/keys';
import { createLogger, type Logger } from '@fleet/logger';
import { AddressGuard, normalizeHost, type ResolveAll } from '@fleet/net';
import type { DispatcherConfig } from './config';
import { createDispatcherHttp } from './http';
import { createDispatcherMetrics, type DispatcherMetrics } from './metrics';
import { Scheduler } from './scheduler';
import { WebhookClient } from './webhook-client';
import { runWorkspaceTurn } from './workspace-turn';

export interface Dispatcher {
  readonly metrics: DispatcherMetrics;
  /** Subscribes to new events, starts delivering and serving /health and /metrics. */
  start(): Promise<{ port: number; url: string }>;
  /** Stops taking workspaces, lets running deliveries finish, closes connections. Safe to call twice. */
  close(): Promise<void>;
}

export interface DispatcherOptions {
  readonly logger?: Logger;
  /** Resolves receivers' host names to every address (tests). Default the system resolver. */
  readonly resolve?: ResolveAll;
}

/**
 * The clients deliveries go through. Workspace webhooks may reach public addresses and what
 * WEBHOOK_ALLOW names; LARAVEL_API_URL, the operator's own setting, also its own host.
 */
function webhookClients(config: DispatcherConfig, resolve: ResolveAll | undefined): Record<'workspace' | 'default', WebhookClient> {
  const allow = config.webhookAllow;
  const laravelHost = config.laravelApiUrl ? normalizeHost(new URL(config.laravelApiUrl).hostname) : undefined;
  return {
    workspace: new WebhookClient(new AddressGuard({ allow, resolve }), 'WEBHOOK_ALLOW does not name it'),
    default: new WebhookClient(
      new AddressGuard({ allow: laravelHost ? [...allow, laravelHost] : allow, resolve }),
      'neither LARAVEL_API_URL nor WEBHOOK_ALLOW names it',
    ),
  };
}

/** Delivers every workspace's events as signed webhooks, in order, with retries and dead letters. */
export function createDispatcher(config: DispatcherConfig, options: DispatcherOptions = {}): Dispatcher {
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
  const clients = webhookClients(config, options.resolve);
  const warned = new Set<number>();
  const onNoReceiver = (workspaceId: number): void => {
    if (warned.has(workspaceId) || warned.size > 10_000) return;
    warned.add(workspaceId);
    logger.warn('no receiver configured for a workspace: its newest events (DISPATCHER_RETAIN_EVENTS) stay pending until a webhook or LARAVEL_API_URL is set', {
      workspaceId,
    });
  };
  const scheduler = new Scheduler({
    instanceId: config.instanceId,
    concurrency: config.concurrency,
    pollMs: config.pollMs,
    ledger,
    logger,
    metrics,
    turn: (workspaceId, token) => runWorkspaceTurn({ config, ledger, logger, metrics, clients, onNoReceiver }, workspaceId, token),
  });
  const http = createDispatcherHttp({
    redis,
    ledger,
    metrics,
    instanceId: config.instanceId,
    receiverConfigured: Boolean(config.laravelApiUrl),
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
      logger.info("webhook destinations: workspace webhooks reach public addresses and WEBHOOK_ALLOW only; LARAVEL_API_URL (the operator's own) is trusted", {
        webhookAllow: config.webhookAllow,
      });
      const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      logger.info('dispatcher started', { url });
      return { port, url };
    },
    close() {
      closing ??= (async () => {
        await scheduler.stop();
        clients.workspace.close();
        clients.default.close();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        subscriber.disconnect();
        redis.disconnect();
      })();
      return closing;
    },
  };
}
