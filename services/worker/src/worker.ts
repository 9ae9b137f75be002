import { serve, type ServerType } from '@hono/node-server';
import { Redis } from 'ioredis';
import { ClusterView, routeOf } from '@fleet/cluster';
import { EventLog, type EventSink } from '@fleet/events';
import { createKeys } from '@fleet/keys';
import { createLogger, type Logger } from '@fleet/logger';
import { LeaseStore, MessageStore, SessionStore, ShardQueues } from '@fleet/state';
import type { WorkerConfig } from './config';
import type { SessionConnector } from './connector/types';
import { Heartbeat } from './fencing';
import { createWorkerHttp } from './http/server';
import { createWorkerMetrics, type WorkerMetrics } from './metrics';
import { SessionManager } from './sessions/session-manager';
import { Reconciler } from './shards/reconciler';
import { ShardConsumers } from './shards/shard-consumers';

/** How often a worker reconciles without being told to (missed events, freed capacity). */
const RECONCILE_INTERVAL_MS = 10_000;

export interface WorkerDeps {
  readonly connector: SessionConnector;
  readonly logger?: Logger;
  /** Where session and message events go; default the Redis event log the dispatcher reads. */
  readonly events?: EventSink;
}

export interface FleetWorker {
  readonly metrics: WorkerMetrics;
  readonly manager: SessionManager;
  readonly cluster: ClusterView;
  start(): Promise<{ port: number; url: string }>;
  /**
   * Drains and leaves: announces it is draining (successors take its shards), stops taking jobs,
   * closes every session cleanly and releases its leases, then deregisters. Safe to call twice.
   */
  close(): Promise<void>;
}

export function createWorker(config: WorkerConfig, deps: WorkerDeps): FleetWorker {
  const logger = deps.logger ?? createLogger({ service: 'worker', level: config.common.logLevel, defaultMeta: { instance: config.instanceId } });
  const redis = new Redis(config.common.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (error) => logger.warn('redis error', { error: error.message }));
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  const keys = createKeys(config.common.redisPrefix);
  const metrics = createWorkerMetrics(config.instanceId);
  metrics.capacity.set(config.maxSessions);
  const sessions = new SessionStore(redis, keys);
  const messages = new MessageStore(redis, keys);
  const queues = new ShardQueues(redis, keys);
  const cluster = new ClusterView({ redis, keys, logger, shardCount: config.shardCount, heartbeatTtlMs: config.heartbeatTtlMs });
  let heartbeat: Heartbeat | undefined;
  const manager = new SessionManager({
    instanceId: config.instanceId,
    storagePath: config.storagePath,
    connector: deps.connector,
    sessions,
    messages,
    leases: new LeaseStore(redis, keys),
    maxSessions: config.maxSessions,
    holder: () => heartbeat?.current,
    logger,
    metrics,
    events: deps.events ?? new EventLog(redis, keys),
  });
  const queueFor = async (sessionId: string): Promise<string | undefined> => {
    const record = await sessions.get(sessionId);
    if (!record) return undefined;
    const route = routeOf(cluster.snapshot, record.workspaceId);
    return route.pinnedTo ? keys.workerQueue(route.pinnedTo) : keys.shardQueue(route.shard);
  };
  const consumers = new ShardConsumers({
    instanceId: config.instanceId,
    connection: redis,
    keys,
    manager,
    messages,
    queues,
    logger,
    metrics,
    concurrency: config.shardConcurrency,
    owns: (shard) => reconciler.owns(shard) && cluster.snapshot.placement.owners[shard] === config.instanceId,
    queueFor,
  });
  const reconciler: Reconciler = new Reconciler({
    instanceId: config.instanceId,
    cluster,
    consumers,
    manager,
    sessions,
    logger,
    metrics,
    queueName: (id) => keys.workerQueue(id),
    maxSessions: config.maxSessions,
  });
  const trigger = (): void => {
    reconciler.trigger().catch((error: unknown) => logger.warn('reconcile failed', { error }));
  };
  let server: ServerType | undefined;
  let closing: Promise<void> | undefined;
  /** Level-triggered safety net: reconcile now and then even when nothing announced a change. */
  let periodic: NodeJS.Timeout | undefined;

  const http = createWorkerHttp(
    {
      instanceId: config.instanceId,
      maxSessions: config.maxSessions,
      sessionCount: () => manager.size,
      isHealthy: () => heartbeat?.healthy ?? false,
    },
    metrics.registry,
  );

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
      heartbeat = new Heartbeat({
        membership: cluster.membership,
        logger,
        ttlMs: config.heartbeatTtlMs,
        onFence: async () => {
          metrics.fencings.inc();
          await Promise.all([consumers.releaseAll(), manager.abandonAll()]);
        },
        onRejoin: async () => {
          consumers.consumeOwnQueue();
          await cluster.refresh();
          trigger();
        },
      });
      heartbeat.start(await cluster.membership.register({ instanceId: config.instanceId, url, maxSessions: config.maxSessions }));
      cluster.on('change', trigger);
      subscriber.on('message', trigger);
      await subscriber.subscribe(keys.leaseChannel);
      consumers.consumeOwnQueue();
      await cluster.refresh();
      await reconciler.trigger();
      periodic = setInterval(trigger, RECONCILE_INTERVAL_MS);
      periodic.unref();
      logger.info('worker started', { url, shards: consumers.owned().length });
      return { port, url };
    },
    close() {
      closing ??= (async () => {
        if (periodic) clearInterval(periodic);
        const registration = heartbeat?.current;
        if (registration) {
          // Planned drain: with our draining flag seen, our own reconcile stops every session cleanly
          // and releases its lease, and the other workers take our shards and start them at once.
          await cluster.membership.setDraining(registration, true).catch(() => undefined);
          await cluster.refresh().catch(() => undefined);
          await reconciler.trigger();
        }
        reconciler.deactivate();
        await consumers.releaseAll();
        await manager.stopAll();
        heartbeat?.stop();
        await deps.connector.close();
        if (registration) await cluster.membership.deregister(registration).catch(() => undefined);
        await cluster.close();
        subscriber.disconnect();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await queues.close();
        redis.disconnect();
      })();
      return closing;
    },
  };
}
