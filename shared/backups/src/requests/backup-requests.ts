import { randomBytes } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { isSnapshotId } from '../snapshot/snapshot-id';

/** The backup queue's job names: the schedule's snapshots and requests made through the API. */
export const BACKUP_JOBS = {
  /** Take a snapshot now (the scheduler adds one per cron slot; a request adds one at once). */
  snapshot: 'backup.snapshot',
  /** Read a stored snapshot back and check it against its manifest (`data.snapshot_id`). */
  verify: 'backup.verify',
} as const;

/** Finished request jobs kept for inspection, per outcome. */
const KEEP_FINISHED = { count: 500 } as const;

export interface BackupRequest {
  /** The job id. */
  readonly id: string;
  readonly kind: 'snapshot' | 'verify';
  /** The snapshot a verification is for; null for a snapshot. */
  readonly snapshotId: string | null;
  readonly state: 'waiting' | 'active';
  readonly requestedAt: number;
}

/**
 * Asks the backup service to do something now, through its own BullMQ queue (`keys.backupQueue`):
 * the service's job worker takes a request like a scheduled snapshot, so only processes that hold
 * SESSION_STORAGE_PATH (the backup service) ever read the session tree. A request the same as one
 * still waiting or running is not added twice.
 */
export class BackupRequests {
  private readonly queue: Queue;

  constructor(connection: Redis, keys: Keys) {
    this.queue = new Queue(keys.backupQueue, { connection, prefix: keys.bullPrefix });
  }

  /** How many backup service processes consume the queue now (0: a request would wait for one to start). */
  async consumers(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  /** Snapshots and verifications waiting or running now, oldest first. */
  async pending(): Promise<BackupRequest[]> {
    const [active, waiting] = await Promise.all([this.queue.getJobs(['active'], 0, 50, true), this.queue.getJobs(['waiting', 'prioritized'], 0, 50, true)]);
    return [...active.map((job) => toRequest(job, 'active')), ...waiting.map((job) => toRequest(job, 'waiting'))]
      .filter((request): request is BackupRequest => request !== undefined)
      .sort((a, b) => a.requestedAt - b.requestedAt);
  }

  /**
   * Asks for a snapshot now; `created: false` when one is already waiting or running. Atomic across
   * ingresses: BullMQ's deduplication id admits one such job until it completes or fails.
   */
  async requestSnapshot(now = Date.now()): Promise<{ request: BackupRequest; created: boolean }> {
    return this.request(BACKUP_JOBS.snapshot, { requested: 'api' }, `manual-${now}-${randomBytes(3).toString('hex')}`, 'snapshot');
  }

  /** Asks for a verification of one snapshot; `created: false` when one of it is already waiting or running. */
  async requestVerify(snapshotId: string, now = Date.now()): Promise<{ request: BackupRequest; created: boolean }> {
    if (!isSnapshotId(snapshotId)) throw new Error(`not a snapshot id: ${snapshotId}`);
    return this.request(BACKUP_JOBS.verify, { snapshot_id: snapshotId }, `verify-${snapshotId}-${now}`, `verify-${snapshotId}`);
  }

  private async request(name: string, data: Record<string, string>, jobId: string, dedupId: string): Promise<{ request: BackupRequest; created: boolean }> {
    const added = await this.queue.add(name, data, {
      jobId,
      deduplication: { id: dedupId },
      attempts: 1,
      removeOnComplete: KEEP_FINISHED,
      removeOnFail: KEEP_FINISHED,
    });
    const created = added.id === jobId;
    const job = created ? added : ((await this.queue.getJob(added.id!)) ?? added);
    const state = created ? 'waiting' : (await job.getState()) === 'active' ? 'active' : 'waiting';
    const request = toRequest(job, state);
    if (!request) throw new Error(`backup queue: job ${String(added.id)} is not a backup request`);
    return { request, created };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

function toRequest(job: Job, state: BackupRequest['state']): BackupRequest | undefined {
  if (!job.id) return undefined;
  const kind = job.name === BACKUP_JOBS.snapshot ? 'snapshot' : job.name === BACKUP_JOBS.verify ? 'verify' : undefined;
  if (!kind) return undefined;
  const data = (job.data ?? {}) as { snapshot_id?: unknown };
  const snapshotId = kind === 'verify' && typeof data.snapshot_id === 'string' ? data.snapshot_id : null;
  return { id: job.id, kind, snapshotId, state, requestedAt: job.timestamp };
}
