import { hostname } from 'node:os';
import type { S3Client } from '@aws-sdk/client-s3';
import { serve, type ServerType } from '@hono/node-server';
import { Queue, Worker, type Job } from 'bullmq';
import { createRedis } from '@fleet/redis';
import {
  applyRetention,
  BACKUP_JOBS,
  createS3Client,
  SnapshotNotFoundError,
  SnapshotStore,
  takeSnapshot,
  verifySnapshot,
  type SnapshotManifest,
  type SnapshotVerification,
} from '@fleet/backups';
import { createKeys } from '@fleet/keys';
import { createLogger, type Logger } from '@fleet/logger';
import type { BackupConfig } from '../config';
import { createBackupMetrics, type BackupMetrics } from '../metrics';
import { createBackupHttp } from './http';

/** Name of the snapshot job and id of its job scheduler in the backup queue. */
export const SNAPSHOT_JOB = BACKUP_JOBS.snapshot;
export const SNAPSHOT_SCHEDULER_ID = 'snapshot';

export interface BackupServiceDeps {
  readonly logger?: Logger;
  readonly instanceId?: string;
  readonly s3Client?: S3Client;
}

export interface BackupService {
  readonly store: SnapshotStore;
  readonly metrics: BackupMetrics;
  /** Ensures the bucket, registers the job scheduler (idempotent across processes), starts the job worker and HTTP. */
  start(): Promise<{ port: number; url: string }>;
  /** Takes one snapshot and applies retention, outside the schedule (then verifies it, when BACKUP_VERIFY is on). */
  snapshotNow(slot?: number | null): Promise<SnapshotManifest>;
  /** Reads a stored snapshot back, checks it against its manifest and stores the outcome beside it. */
  verifyNow(snapshotId: string): Promise<SnapshotVerification>;
  /** Stops taking jobs (a running snapshot finishes first) and closes everything. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The backup service: a BullMQ job scheduler produces one snapshot job per cron slot for the whole
 * cluster (every backup process upserts the same scheduler), and whichever process's worker takes
 * the job streams the snapshot to S3, then applies retention.
 */
export function createBackupService(config: BackupConfig, deps: BackupServiceDeps = {}): BackupService {
  const instanceId = deps.instanceId ?? `${hostname()}-${process.pid}`;
  const logger = deps.logger ?? createLogger({ service: 'backup', level: config.common.logLevel, defaultMeta: { instance: instanceId } });
  const keys = createKeys(config.common.redisPrefix);
  const store = new SnapshotStore(deps.s3Client ?? createS3Client(config.s3), config.s3);
  const metrics = createBackupMetrics(instanceId);
  const redis = createRedis(config.common.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', (error) => logger.warn('redis error', { error: error.message }));
  let queue: Queue | undefined;
  let worker: Worker | undefined;
  let server: ServerType | undefined;
  let closing: Promise<void> | undefined;
  let lastSuccess: { id: string; at: number } | undefined;
  let lastError: string | undefined;

  async function snapshotNow(slot: number | null = null): Promise<SnapshotManifest> {
    const started = Date.now();
    try {
      const manifest = await takeSnapshot({
        storagePath: config.storagePath,
        store,
        slot,
        partSizeBytes: config.partSizeBytes,
        uploadQueueSize: config.uploadQueueSize,
        gzipLevel: config.gzipLevel,
      });
      recordSuccess(manifest, started);
      const plan = await applyRetention(store, config.retention);
      metrics.retentionDeleted.inc(plan.delete.length);
      logger.info('snapshot done', {
        id: manifest.id,
        ...manifest.totals,
        archiveBytes: manifest.archive.bytes,
        ms: manifest.durationMs,
        deleted: plan.delete.length,
      });
      // A verification that fails (or cannot run) does not fail the snapshot: it is stored, logged and counted.
      if (config.verifyAfterSnapshot && !plan.delete.includes(manifest.id)) await verifyNow(manifest.id).catch(() => undefined);
      return manifest;
    } catch (error) {
      metrics.snapshots.inc({ outcome: 'failed' });
      lastError = error instanceof Error ? error.message : String(error);
      logger.error('snapshot failed', { error });
      throw error;
    }
  }

  async function verifyNow(snapshotId: string): Promise<SnapshotVerification> {
    try {
      const result = await verifySnapshot(store, snapshotId);
      metrics.verifications.inc({ outcome: result.ok ? 'ok' : 'corrupt' });
      if (result.ok) logger.info('snapshot verified', { id: snapshotId, ms: result.durationMs });
      else logger.error('snapshot failed verification', { id: snapshotId, problems: result.problems.slice(0, 5) });
      return result;
    } catch (error) {
      metrics.verifications.inc({ outcome: 'failed' });
      // Another snapshot's retention (a manual one, another backup process) may remove it first: not a fault.
      if (error instanceof SnapshotNotFoundError) logger.info('snapshot gone before its verification (retention)', { id: snapshotId });
      else logger.error('snapshot verification could not run', { id: snapshotId, error });
      throw error;
    }
  }

  function recordSuccess(manifest: SnapshotManifest, started: number): void {
    lastSuccess = { id: manifest.id, at: Date.now() };
    lastError = undefined;
    metrics.snapshots.inc({ outcome: 'ok' });
    metrics.lastSuccess.set(Math.floor(Date.now() / 1000));
    metrics.lastDuration.set((Date.now() - started) / 1000);
    metrics.lastArchiveBytes.set(manifest.archive.bytes);
    metrics.lastFiles.set(manifest.totals.files);
    metrics.lastSessions.set(manifest.totals.sessions);
  }

  async function runJob(job: Job): Promise<{ id: string; ok?: boolean }> {
    if (job.name === BACKUP_JOBS.verify) {
      const id = (job.data as { snapshot_id?: unknown }).snapshot_id;
      if (typeof id !== 'string') throw new Error('backup.verify needs data.snapshot_id');
      const result = await verifyNow(id);
      return { id, ok: result.ok };
    }
    if (job.name !== SNAPSHOT_JOB) throw new Error(`unknown backup job ${job.name}`);
    const slot = typeof job.opts.prevMillis === 'number' ? job.opts.prevMillis : null;
    const manifest = await snapshotNow(slot);
    return { id: manifest.id };
  }

  const http = createBackupHttp({ instanceId, lastSuccess: () => lastSuccess, lastError: () => lastError }, metrics.registry);

  return {
    store,
    metrics,
    snapshotNow,
    verifyNow,
    async start() {
      await store.ensureBucket();
      queue = new Queue(keys.backupQueue, { connection: redis, prefix: keys.bullPrefix });
      await queue.upsertJobScheduler(
        SNAPSHOT_SCHEDULER_ID,
        { pattern: config.cron, tz: config.cronTz },
        { name: SNAPSHOT_JOB, data: {}, opts: { attempts: 1, removeOnComplete: { count: 500 }, removeOnFail: { count: 500 } } },
      );
      worker = new Worker(keys.backupQueue, runJob, { connection: redis, prefix: keys.bullPrefix, concurrency: 1 });
      worker.on('error', (error) => logger.warn('backup worker error', { error: error.message }));
      const port = await new Promise<number>((resolve) => {
        server = serve({ fetch: http.fetch, hostname: config.host, port: config.port }, (info) => resolve(info.port));
      });
      const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      logger.info('backup service started', { url, cron: config.cron, bucket: config.s3.bucket });
      return { port, url };
    },
    close() {
      closing ??= (async () => {
        await worker?.close();
        await queue?.close();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        store.client.destroy();
        redis.disconnect();
      })();
      return closing;
    },
  };
}
