import { createRedis } from '@fleet/redis';
import { serve, type ServerType } from '@hono/node-server';
import type { Redis } from 'ioredis';
import { ClusterView, OwnedShards, queueOf, type WorkerInfo } from '@fleet/cluster';
import { EventLog, type EventSink } from '@fleet/events';
import { createKeys, type Keys } from '@fleet/keys';
import { createLogger, type Logger } from '@fleet/logger';
import { MessageLedger } from '@fleet/messages';
import { LeaseStore, parseWake, SessionRequests, SessionSecrets, SessionStore, ShardQueues, WorkerWakes, type SessionJob } from '@fleet/state';
import type { WorkerConfig } from './config';
import type { SessionConnector } from './connector/types';
import { Heartbeat } from './fencing';
import { createWorkerHttp } from './http/server';
import { createWorkerMetrics, QUEUE_STATES, type WorkerMetrics } from './metrics';
import { OutboxTimers } from './sessions/outbox-timers';
import { SessionManager } from './sessions/session-manager';
import { SessionEvents } from './sessions/session-events';
import type { WorkerMedia } from './media/worker-media';
import { Reconciler } from './shards/reconciler';
import { ShardConsumers } from './shards/shard-consumers';

/** How often a worker reconciles without being told to (missed events, freed capacity). */
const RECONCILE_INTERVAL_MS = 10_000;

export interface WorkerDeps {
  readonly connector: SessionConnector;
  readonly logger?: Logger;
  /** Where session and message events go; default the Redis event log the dispatcher reads. */
  readonly events?: EventSink;
  /** The worker's media (received media stored, retried); closed with the worker. */
  readonly media?: WorkerMedia;
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
  return new WorkerService(config, deps);
}

/** One worker process: membership, heartbeat and fencing, the reconcile loop, queue consumers, HTTP. */
class WorkerService implements FleetWorker {
  readonly metrics: WorkerMetrics;
  readonly manager: SessionManager;
  readonly cluster: ClusterView;
  private readonly logger: Logger;
  private readonly redis: Redis;
  private readonly store: Redis;
  private readonly subscriber: Redis;
  private readonly keys: Keys;
  private readonly sessions: SessionStore;
  private readonly ledger: MessageLedger;
  private readonly outboxTimers: OutboxTimers;
  private readonly queues: ShardQueues;
  private readonly wakes: WorkerWakes;
  private readonly consumers: ShardConsumers;
  private readonly reconciler: Reconciler;
  /** Written by the reconciler, read by the consumers: the shards this worker owns now. */
  private readonly owned: OwnedShards;
  private heartbeat: Heartbeat | undefined;
  private server: ServerType | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly deps: WorkerDeps,
  ) {
    this.logger = deps.logger ?? createLogger({ service: 'worker', level: config.common.logLevel, defaultMeta: { instance: config.instanceId } });
    this.redis = createRedis(config.common.redisUrl, { maxRetriesPerRequest: null });
    this.redis.on('error', (error) => this.logger.warn('redis error', { error: error.message }));
    // Session, message, lease and event writes: commands issued in the same event-loop turn by many
    // sessions go out in one write. BullMQ keeps a connection of its own without auto-pipelining.
    this.store = createRedis(config.common.redisUrl, { maxRetriesPerRequest: null, enableAutoPipelining: true });
    this.store.on('error', () => undefined);
    this.subscriber = this.redis.duplicate({ lazyConnect: true });
    this.subscriber.on('error', () => undefined);
    this.keys = createKeys(config.common.redisPrefix);
    this.metrics = createWorkerMetrics(config.instanceId);
    this.metrics.capacity.set(config.maxSessions);
    this.sessions = new SessionStore(this.store, this.keys);
    this.ledger = new MessageLedger(this.store, this.keys);
    this.queues = new ShardQueues(this.redis, this.keys);
    this.wakes = new WorkerWakes(this.redis, this.keys, this.queues);
    this.cluster = new ClusterView({
      redis: this.redis,
      keys: this.keys,
      logger: this.logger,
      shardCount: config.shardCount,
      heartbeatTtlMs: config.heartbeatTtlMs,
    });
    this.owned = new OwnedShards(config.instanceId, () => this.cluster.snapshot);
    this.manager = this.createManager();
    this.outboxTimers = new OutboxTimers({
      instanceId: config.instanceId,
      manager: this.manager,
      ledger: this.ledger,
      redis: this.store,
      keys: this.keys,
      logger: this.logger,
      maxWaitMs: config.messageMaxWaitSeconds * 1_000,
    });
    this.consumers = this.createConsumers();
    this.reconciler = new Reconciler({
      instanceId: config.instanceId,
      cluster: this.cluster,
      consumers: this.consumers,
      owned: this.owned,
      manager: this.manager,
      sessions: this.sessions,
      logger: this.logger,
      metrics: this.metrics,
      queueName: (id) => this.keys.workerQueue(id),
      maxSessions: config.maxSessions,
    });
    this.metrics.probes.liveWorkers = () => this.cluster.snapshot.workers.length;
    this.metrics.probes.credsReady = () => deps.connector.credsReady ?? 0;
    this.metrics.probes.sessionsByStatus = () => this.manager.statusCounts();
    deps.connector.observeStorage?.((op, seconds, failed) => this.metrics.storageOps.observe({ op, outcome: failed ? 'error' : 'ok' }, seconds));
    this.metrics.probes.queueCounts = () => queueCounts(this.queues, this.consumers.queueNames(), this.keys.workerQueue(config.instanceId));
  }

  async start(): Promise<{ port: number; url: string }> {
    const { config, cluster, consumers } = this;
    const port = await this.listen();
    const url = config.advertiseUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    await cluster.start();
    this.heartbeat = this.createHeartbeat();
    this.heartbeat.start(await cluster.membership.register({ instanceId: config.instanceId, url, maxSessions: config.maxSessions }));
    cluster.on('change', this.trigger);
    const wakeChannel = this.keys.workerWakes(config.instanceId);
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === wakeChannel) this.onWake(message);
      else if (channel === this.keys.leaseRequests)
        void this.manager.releaseIfIdle(message).catch((error: unknown) => this.logger.warn('lease release request failed', { error }));
      else this.trigger();
    });
    // Connected before it subscribes (a SUBSCRIBE during the handshake is lost; see ClusterView).
    if (this.subscriber.status === 'wait') await this.subscriber.connect();
    await this.subscriber.subscribe(this.keys.leaseChannel, this.keys.leaseRequests, wakeChannel);
    consumers.consumeOwnQueue();
    await cluster.refresh();
    await this.reconciler.trigger();
    this.periodic = setInterval(this.trigger, RECONCILE_INTERVAL_MS);
    this.periodic.unref();
    this.outboxTimers.start();
    this.deps.media?.inbound.start(new SessionEvents(this.deps.events ?? new EventLog(this.store, this.keys), this.logger));
    if (config.sessionSecrets.generated) {
      this.logger.warn(
        'SESSION_SECRETS_KEY is not set: this worker cannot open the proxy URLs the ingress sealed; set the same key on every ingress and worker',
      );
    }
    this.logger.info('worker started', { url, host: config.host, shards: consumers.owned().length });
    if (config.apiKeys.length === 0)
      this.logger.warn('API_KEYS is not set: the admin route /storage-check answers 403 (fleetctl storage-check needs it); /health and /metrics stay open');
    return { port, url };
  }

  close(): Promise<void> {
    this.closing ??= this.drainAndLeave();
    return this.closing;
  }

  /**
   * A wake-up on this worker's channel (WorkerWakes). `message.send`: the session's sender looks at its
   * outbox now; a session this worker does not run (its ownership moved on before the ingress's view
   * did) gets the wake-up as a job in its shard's queue, which reaches whoever runs it.
   * `session.start`: run as the queued job would be, when it belongs here (ShardConsumers.runWoken).
   */
  private onWake(text: string): void {
    const wake = parseWake(text);
    if (!wake) return void this.logger.warn("ignored a malformed wake-up on this worker's channel");
    if (wake.at !== undefined) this.metrics.jobWait.observe({ name: wake.name }, Math.max(0, Date.now() - wake.at) / 1000);
    if (wake.name === 'session.start') {
      this.consumers
        .runWoken(wake.shard, wake.name, wake.job, wake.jobId)
        .catch((error: unknown) => this.logger.warn('could not start or hand on a woken session; its reconcile starts it', { error }));
      return;
    }
    if (this.manager.isRunning(wake.job.sessionId)) {
      this.metrics.jobs.inc({ name: 'message.send', outcome: 'direct' });
      return this.manager.wake(wake.job);
    }
    this.metrics.jobs.inc({ name: 'message.send', outcome: 'forwarded' });
    this.wakes.queue(wake).catch((error: unknown) => this.logger.warn('could not hand a wake-up on; the outbox check finds the message', { error }));
  }

  private readonly trigger = (): void => {
    this.reconciler.trigger().catch((error: unknown) => this.logger.warn('reconcile failed', { error }));
  };

  private async drainAndLeave(): Promise<void> {
    if (this.periodic) clearInterval(this.periodic);
    this.outboxTimers.stop();
    const registration = this.heartbeat?.current;
    if (registration) await this.drain(registration);
    this.reconciler.deactivate();
    await this.consumers.releaseAll();
    await this.manager.stopAll();
    this.heartbeat?.stop();
    await this.deps.connector.close();
    await this.deps.media?.close();
    if (registration) await this.cluster.membership.deregister(registration).catch(() => undefined);
    await this.cluster.close();
    this.subscriber.disconnect();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.queues.close();
    this.redis.disconnect();
    this.store.disconnect();
  }

  /**
   * Planned drain: once our draining flag is seen, our own reconcile stops every session cleanly and
   * releases its lease, and the other workers take our shards and start those sessions at once.
   */
  private async drain(registration: WorkerInfo): Promise<void> {
    await this.cluster.membership.setDraining(registration, true).catch(() => undefined);
    await this.cluster.refresh().catch(() => undefined);
    await this.reconciler.trigger();
  }

  private listen(): Promise<number> {
    const { config } = this;
    const http = createWorkerHttp(
      {
        instanceId: config.instanceId,
        maxSessions: config.maxSessions,
        sessionCount: () => this.manager.size,
        isHealthy: () => this.heartbeat?.healthy ?? false,
        storagePath: config.storagePath,
        apiKeys: config.apiKeys,
      },
      this.metrics.registry,
    );
    return new Promise<number>((resolve) => {
      this.server = serve({ fetch: http.fetch, hostname: config.host, port: config.port }, (info) => resolve(info.port));
    });
  }

  private createManager(): SessionManager {
    return new SessionManager({
      instanceId: this.config.instanceId,
      storagePath: this.config.storagePath,
      connector: this.deps.connector,
      sessions: this.sessions,
      ledger: this.ledger,
      sendPolicy: {
        ackTimeoutMs: this.config.messageAckTimeoutMs,
        maxAttempts: this.config.messageSendAttempts,
        burst: this.config.sendBurstPerSession,
        ratePerSecond: this.config.sendRatePerSession,
      },
      leases: new LeaseStore(this.store, this.keys),
      maxSessions: this.config.maxSessions,
      holder: () => this.heartbeat?.current,
      logger: this.logger,
      metrics: this.metrics,
      events: this.deps.events ?? new EventLog(this.store, this.keys),
      ...(this.deps.media ? { media: this.deps.media.inbound } : {}),
      secrets: new SessionSecrets(this.config.sessionSecrets.key),
      requests: new SessionRequests(this.store, this.keys),
    });
  }

  private createConsumers(): ShardConsumers {
    const { config, keys } = this;
    return new ShardConsumers({
      instanceId: config.instanceId,
      connection: this.redis,
      keys,
      manager: this.manager,
      queues: this.queues,
      logger: this.logger,
      metrics: this.metrics,
      concurrency: config.shardConcurrency,
      owned: this.owned,
      queueFor: (job) => this.queueFor(job),
    });
  }

  /**
   * The queue a session's jobs belong in now: its workspace's pinned worker's, else its shard's. The
   * workspace comes with the job (older jobs without it: from the session record).
   */
  private async queueFor(job: SessionJob): Promise<string | undefined> {
    const workspaceId = typeof job.workspaceId === 'number' ? job.workspaceId : (await this.sessions.get(job.sessionId))?.workspaceId;
    return workspaceId === undefined ? undefined : queueOf(this.cluster.snapshot, this.keys, workspaceId);
  }

  private createHeartbeat(): Heartbeat {
    return new Heartbeat({
      membership: this.cluster.membership,
      logger: this.logger,
      ttlMs: this.config.heartbeatTtlMs,
      onFence: async () => {
        this.metrics.fencings.inc();
        await Promise.all([this.consumers.releaseAll(), this.manager.abandonAll()]);
      },
      onRejoin: async () => {
        this.consumers.consumeOwnQueue();
        await this.cluster.refresh();
        this.trigger();
      },
    });
  }
}

/** Job counts per consumed queue for `fleet_queue_jobs`; the worker's own queue is labelled `worker`. */
async function queueCounts(queues: ShardQueues, names: readonly string[], ownQueue: string): Promise<Map<string, Record<string, number>>> {
  const counts = await Promise.all(names.map(async (name) => [name, await queues.named(name).getJobCounts(...QUEUE_STATES)] as const));
  return new Map(counts.map(([name, byState]) => [name === ownQueue ? 'worker' : name, byState]));
}
