import { randomBytes } from 'node:crypto';
import { BackupRequests, createS3Client, SnapshotStore } from '@fleet/backups';
import { createRedis } from '@fleet/redis';
import { serve, type ServerType } from '@hono/node-server';
import { ClusterView } from '@fleet/cluster';
import { ApiKeyStore } from '@fleet/api-keys';
import { createKeys } from '@fleet/keys';
import { createLogger, type Logger } from '@fleet/logger';
import { createMediaStore, fetcherOptions, MediaSweeper, SafeFetcher } from '@fleet/media';
import { MessageLedger } from '@fleet/messages';
import { AddressGuard } from '@fleet/net';
import { RestoreLockStore, SessionRequests, SessionSecrets, SessionStore, ShardQueues, WorkerWakes } from '@fleet/state';
import { createApp } from './app';
import { WorkspaceKeyCache } from './auth/workspace-key-cache';
import { loadConsoleAssets } from './http/console-assets';
import { mediaGateway } from './media-gateway';
import { HealthSweep } from './health-sweep';
import type { IngressConfig } from './config';
import type { IngressDeps } from './deps';
import { createIngressMetrics } from './metrics';
import { RATE_LIMIT_DEFAULTS, RateLimiter } from './rate-limit/rate-limiter';
import { ReplyWatch } from './reply-watch';
import { SessionWatch } from './session-watch';

/** Requests that may wait on session changes at once (long polls); past it, waits answer at once. */
const MAX_SESSION_WAITERS = 10_000;

export interface Ingress {
  readonly deps: IngressDeps;
  readonly app: ReturnType<typeof createApp>;
  /** Starts the cluster view and the HTTP server; resolves with the bound port. */
  start(): Promise<{ port: number; url: string }>;
  /** Stops serving and closes connections; safe to call twice. */
  close(): Promise<void>;
}

export function createIngress(config: IngressConfig, options: { logger?: Logger } = {}): Ingress {
  const logger = options.logger ?? createLogger({ service: 'ingress', level: config.common.logLevel });
  const redis = createRedis(config.common.redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  redis.on('error', (error) => logger.warn('redis error', { error: error.message }));
  // Producers only (job adds, lookups): jobs added by requests handled in the same event-loop turn go
  // out in one write. No blocking command ever runs on it.
  const queueConnection = createRedis(config.common.redisUrl, { maxRetriesPerRequest: null, enableAutoPipelining: true });
  queueConnection.on('error', (error) => logger.warn('redis (queues) error', { error: error.message }));
  const keys = createKeys(config.common.redisPrefix);
  const metrics = createIngressMetrics();
  const cluster = new ClusterView({ redis, keys, logger, shardCount: config.shardCount, heartbeatTtlMs: config.heartbeatTtlMs });
  metrics.probes.liveWorkers = () => cluster.snapshot.workers.length;
  const sessions = new SessionStore(redis, keys);
  const media = createMediaStore(config.media, redis, keys);
  const apiKeys = new ApiKeyStore(redis, keys);
  const requests = new SessionRequests(redis, keys);
  const sessionSecrets = config.sessionSecrets ?? { key: randomBytes(32).toString('hex'), generated: true };
  const queues = new ShardQueues(queueConnection, keys);
  const deps: IngressDeps = {
    redis,
    keys,
    cluster,
    sessions,
    restoreLocks: new RestoreLockStore(redis, keys),
    messages: new MessageLedger(redis, keys, { retentionSeconds: config.messageRetentionSeconds, bodyRetentionSeconds: config.messageBodyRetentionSeconds }),
    queues,
    wakes: new WorkerWakes(redis, keys, queues),
    logger,
    metrics,
    healthSweep: new HealthSweep({ redis, queueConnection, keys, cluster, logger, intervalMs: config.healthSweepMs }),
    sessionWatch: new SessionWatch({ redis, keys, sessions, logger, maxWaiters: MAX_SESSION_WAITERS }),
    secrets: new SessionSecrets(sessionSecrets.key),
    requests,
    replies: new ReplyWatch({ redis, keys, requests, logger }),
    mediaStore: media,
    media: mediaGateway(media, new SafeFetcher(fetcherOptions(config.media))),
    mediaSweeper: new MediaSweeper({
      store: media,
      onResult: (result) => {
        metrics.mediaSwept.inc({ outcome: 'deleted' }, result.deleted);
        metrics.mediaSwept.inc({ outcome: 'failed' }, result.failed);
        if (result.failed > 0) logger.warn('could not delete expired media objects; retried later', { failed: result.failed, error: result.error });
      },
      onError: (error) => logger.warn('media sweep failed; retried next round', { error }),
    }),
    mediaLinks: { publicBaseUrl: config.media.publicBaseUrl, ttlSeconds: config.media.urlTtlSeconds },
    backups: { store: new SnapshotStore(createS3Client(config.backups), config.backups), requests: new BackupRequests(queueConnection, keys) },
    webhookGuard: new AddressGuard({ allow: config.webhookAllow ?? [] }),
    proxyGuard: new AddressGuard({ allow: config.proxyAllow ?? [] }),
    apiKeys,
    workspaceKeys: new WorkspaceKeyCache({ redis, keys, store: apiKeys, logger }),
    rateLimiter: new RateLimiter(redis),
    rateLimits: config.rateLimits ?? RATE_LIMIT_DEFAULTS,
  };
  metrics.probes.sessionWaiters = () => deps.sessionWatch.waiters;
  metrics.probes.instanceHealth = async () => (await deps.healthSweep.last())?.instances ?? [];
  const app = createApp(deps, { apiKeys: config.apiKeys, bodyLimitBytes: config.bodyLimitBytes, console: loadConsoleAssets(config.consoleDir) });
  let server: ServerType | undefined;
  let closing: Promise<void> | undefined;

  return {
    deps,
    app,
    async start() {
      await cluster.start();
      // Records written before the session index existed are indexed once per cluster (see GET /api/sessions).
      const index = await sessions.buildIndex();
      if (index.built) logger.info('session index built', { sessions: index.sessions });
      await deps.queues.warm(cluster.snapshot.shardCount);
      await deps.healthSweep.start();
      deps.mediaSweeper.start();
      if (sessionSecrets.generated) {
        logger.warn(
          'SESSION_SECRETS_KEY is not set: proxy URLs sealed by this process open on it alone, not on the workers; set one key on every ingress and worker',
        );
      }
      if (config.media.signingSecretGenerated) {
        logger.warn('MEDIA_SIGNING_SECRET is not set: signed media links made by this process verify on it alone; set one secret on every ingress and worker');
      }
      const port = await new Promise<number>((resolve) => {
        server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => resolve(info.port));
      });
      const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      logger.info('ingress listening', { url });
      return { port, url };
    },
    close() {
      closing ??= (async () => {
        // Long polls answer now rather than hold the server's close for their full wait.
        const answered = Promise.all([deps.sessionWatch.close(), deps.replies.close()]);
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await answered;
        await deps.healthSweep.close();
        await deps.mediaSweeper.close();
        deps.workspaceKeys.close();
        media.close();
        deps.backups.store.client.destroy();
        await deps.backups.requests.close();
        await cluster.close();
        await deps.queues.close();
        redis.disconnect();
        queueConnection.disconnect();
      })();
      return closing;
    },
  };
}
