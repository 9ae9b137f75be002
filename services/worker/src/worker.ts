import { serve, type ServerType } from '@hono/node-server';
import { Redis } from 'ioredis';
import { ClusterView, type WorkerInfo } from '@fleet/cluster';
import { createKeys } from '@fleet/keys';
import { createLogger, type Logger } from '@fleet/logger';
import { MessageStore, SessionStore } from '@fleet/state';
import type { WorkerConfig } from './config';
import type { SessionConnector } from './connector/types';
import { createWorkerHttp } from './http/server';
import { createWorkerMetrics, type WorkerMetrics } from './metrics';
import { SessionManager } from './sessions/session-manager';
import { Reconciler } from './shards/reconciler';
import { ShardConsumers } from './shards/shard-consumers';

export interface WorkerDeps {
  readonly connector: SessionConnector;
  readonly logger?: Logger;
}

export interface FleetWorker {
  readonly metrics: WorkerMetrics;
  readonly manager: SessionManager;
  readonly cluster: ClusterView;
  start(): Promise<{ port: number; url: string }>;
  /** Drains: stops taking jobs, closes sessions cleanly, leaves the cluster. Safe to call twice. */
  close(): Promise<void>;
}

export function createWorker(config: WorkerConfig, deps: WorkerDeps): FleetWorker {
  const logger = deps.logger ?? createLogger({ service: 'worker', level: config.common.logLevel, defaultMeta: { instance: config.instanceId } });
  const redis = new Redis(config.common.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (error) => logger.warn('redis error', { error: error.message }));
  const keys = createKeys(config.common.redisPrefix);
  const metrics = createWorkerMetrics(config.instanceId);
  metrics.capacity.set(config.maxSessions);
  const sessions = new SessionStore(redis, keys);
  const messages = new MessageStore(redis, keys);
  const cluster = new ClusterView({ redis, keys, logger, shardCount: config.shardCount, heartbeatTtlMs: config.heartbeatTtlMs });
  const manager = new SessionManager({
    instanceId: config.instanceId, storagePath: config.storagePath, connector: deps.connector, sessions, messages, logger, metrics,
  });
  const consumers = new ShardConsumers({
    instanceId: config.instanceId,
    connection: redis,
    keys,
    manager,
    messages,
    logger,
    metrics,
    concurrency: config.shardConcurrency,
    owns: (shard) => reconciler.owns(shard) && cluster.snapshot.placement.owners[shard] === config.instanceId,
  });
  const reconciler: Reconciler = new Reconciler({ instanceId: config.instanceId, cluster, consumers, manager, sessions, logger, metrics });
  let registration: WorkerInfo | undefined;
  let healthy = true;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let server: ServerType | undefined;
  let closing: Promise<void> | undefined;

  const http = createWorkerHttp(
    { instanceId: config.instanceId, maxSessions: config.maxSessions, sessionCount: () => manager.size, isHealthy: () => healthy },
    metrics.registry,
  );

  async function beat(): Promise<void> {
    if (!registration || closing) return;
    if (await cluster.membership.heartbeat(registration)) {
      healthy = true;
      return;
    }
    // Our registration expired or was replaced: fence ourselves, then rejoin as a new incarnation.
    healthy = false;
    logger.error('heartbeat lost; closing every session before rejoining');
    await consumers.releaseAll();
    await manager.stopAll();
    registration = await cluster.membership.register({ instanceId: config.instanceId, url: registration.url, maxSessions: config.maxSessions });
    healthy = true;
    await cluster.refresh();
    await reconciler.trigger();
  }

  return {
    metrics,
    manager,
    cluster,
    async start() {
      const port = await new Promise<number>((resolve) => {
        server = serve({ fetch: http.fetch, hostname: config.host, port: config.port }, (info) => resolve(info.port));
      });
      const url = config.advertiseUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      await cluster.start();
      registration = await cluster.membership.register({ instanceId: config.instanceId, url, maxSessions: config.maxSessions });
      cluster.on('change', () => {
        reconciler.trigger().catch((error: unknown) => logger.warn('reconcile failed', { error }));
      });
      await cluster.refresh();
      await reconciler.trigger();
      heartbeatTimer = setInterval(() => {
        beat().catch((error: unknown) => logger.warn('heartbeat failed', { error }));
      }, Math.max(250, Math.floor(config.heartbeatTtlMs / 3)));
      logger.info('worker started', { url, shards: consumers.owned().length });
      return { port, url };
    },
    close() {
      closing ??= (async () => {
        if (heartbeatTimer) clearInterval(heartbeatTimer);
        reconciler.deactivate();
        if (registration) await cluster.membership.setDraining(registration, true).catch(() => undefined);
        await consumers.releaseAll();
        await manager.stopAll();
        await deps.connector.close();
        if (registration) await cluster.membership.deregister(registration).catch(() => undefined);
        await cluster.close();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        redis.disconnect();
      })();
      return closing;
    },
  };
}
