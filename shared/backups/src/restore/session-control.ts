import type { Redis } from 'ioredis';
import { Membership, type WorkerInfo } from '@fleet/cluster';
import type { Keys } from '@fleet/keys';
import { jobId, sessionJob, LeaseStore, RestoreLockStore, SessionStore, ShardQueues, type SessionRecord } from '@fleet/state';
import { RestoreStopTimeoutError } from '../errors';
import { eachLimited, mapLimited } from './limited';
import { RestoreLock } from './restore-lock';

/** What became of a restored session. */
export type SessionOutcome =
  | 'connected'
  /** Status qr or logged_out: the restored credentials were refused; the user must scan again. */
  | 'needs_scan'
  | 'failed'
  /** Did not settle within the wait (still starting or reconnecting). */
  | 'timeout'
  /** Files restored; the session's desired state is not running, so it was not started. */
  | 'not_started'
  /** Files restored; no session record exists (deleted since the snapshot), nothing to start. */
  | 'no_record';

export interface SessionControlOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly pollMs?: number;
}

/**
 * Sessions whose stop/start commands or checks are in flight at once: ioredis writes concurrent
 * commands to the socket together, so this turns thousands of sequential round trips into a few
 * dozen, without flooding Redis while the workers reconnect.
 */
const COMMAND_LANES = 64;

/**
 * The Redis side of a restore: locks the sessions against starts, stops and starts them through their
 * shard queues (the owning worker acts) and watches their records.
 */
export class SessionControl {
  private readonly sessions: SessionStore;
  private readonly leases: LeaseStore;
  private readonly queues: ShardQueues;
  private readonly membership: Membership;
  private readonly locks: RestoreLockStore;
  private readonly pollMs: number;

  constructor(options: SessionControlOptions) {
    this.sessions = new SessionStore(options.redis, options.keys);
    this.leases = new LeaseStore(options.redis, options.keys);
    this.queues = new ShardQueues(options.redis, options.keys);
    this.membership = new Membership({ redis: options.redis, keys: options.keys });
    this.locks = new RestoreLockStore(options.redis, options.keys);
    this.pollMs = options.pollMs ?? 250;
  }

  async records(sessionIds: readonly string[]): Promise<Map<string, SessionRecord>> {
    const records = new Map<string, SessionRecord>();
    for (let i = 0; i < sessionIds.length; i += 500) {
      for (const record of await this.sessions.getMany(sessionIds.slice(i, i + 500))) records.set(record.sessionId, record);
    }
    return records;
  }

  /**
   * Locks the sessions against starts for a restore (see `RestoreLock`); throws
   * `RestoreInProgressError` when another restore holds one of them.
   */
  lock(sessionIds: readonly string[], token: string, ttlMs?: number): Promise<RestoreLock> {
    return RestoreLock.take(this.locks, sessionIds, token, ttlMs);
  }

  async liveWorkers(): Promise<number> {
    return (await this.membership.live()).length;
  }

  /**
   * Stops the sessions the way the API does (desired `stopped`, then a stop job for the owner, which
   * closes the socket, flushes the auth state and releases the lease) and waits until every stop job
   * has run and no live worker holds a lease on any of them. On timeout the sessions that were
   * running are asked to start again and `RestoreStopTimeoutError` is thrown.
   */
  async stop(records: readonly SessionRecord[], token: string, timeoutMs: number, progress?: (done: number) => void): Promise<void> {
    await eachLimited(records, COMMAND_LANES, async (r) => {
      await this.sessions.update(r.sessionId, { desired: 'stopped' });
      await this.queues.add(r.shard, 'session.stop', sessionJob(r), jobId('restore-stop', r.sessionId, token), { attempts: 3 });
    });
    const deadline = Date.now() + timeoutMs;
    let pending = [...records];
    while (pending.length > 0) {
      const live = await this.membership.live();
      const stopped = await mapLimited(pending, COMMAND_LANES, (r) => this.isStopped(r, token, live));
      pending = pending.filter((_, index) => !stopped[index]);
      progress?.(records.length - pending.length);
      if (pending.length === 0) break;
      if (Date.now() > deadline) {
        await this.start(
          records.filter((r) => r.desired === 'running'),
          `${token}-undo`,
        );
        throw new RestoreStopTimeoutError(pending.map((r) => r.sessionId));
      }
      await sleep(this.pollMs);
    }
  }

  /** Sets desired `running` again and asks the owner to start each session. */
  async start(records: readonly SessionRecord[], token: string): Promise<void> {
    await eachLimited(records, COMMAND_LANES, async (r) => {
      await this.sessions.update(r.sessionId, { desired: 'running' });
      await this.queues.add(r.shard, 'session.start', sessionJob(r), jobId('restore-start', r.sessionId, token));
    });
  }

  /**
   * The stop job has run and either no live incarnation of a worker holds the session's lease, or
   * the owner marked it stopped without a run to close (a session that had failed keeps its lease).
   */
  private async isStopped(record: SessionRecord, token: string, live: readonly WorkerInfo[]): Promise<boolean> {
    const state = await this.queues.queue(record.shard).getJobState(jobId('restore-stop', record.sessionId, token));
    if (state !== 'completed' && state !== 'failed') return false;
    const lease = await this.leases.get(record.sessionId);
    if (!lease) return true;
    const now = await this.sessions.get(record.sessionId);
    if (!now || (now.desired === 'stopped' && now.status === 'stopped')) return true;
    return !live.some((worker) => worker.instanceId === lease.owner && worker.incarnation === lease.incarnation);
  }

  /**
   * Waits until each session was started again (its epoch grew past `before`) and settled:
   * connected, asking for a QR / logged out (needs a new scan) or failed.
   */
  async awaitOutcomes(
    before: ReadonlyMap<string, number>,
    timeoutMs: number,
    progress?: (settled: number, connected: number) => void,
  ): Promise<Map<string, SessionOutcome>> {
    const outcomes = new Map<string, SessionOutcome>();
    const deadline = Date.now() + timeoutMs;
    let pending = [...before.keys()];
    while (pending.length > 0) {
      const records = await this.records(pending);
      for (const id of pending) {
        const record = records.get(id);
        const outcome = record ? settledOutcome(record, before.get(id) ?? 0) : 'no_record';
        if (outcome) outcomes.set(id, outcome);
      }
      pending = pending.filter((id) => !outcomes.has(id));
      progress?.(outcomes.size, [...outcomes.values()].filter((o) => o === 'connected').length);
      if (pending.length === 0 || Date.now() > deadline) break;
      await sleep(this.pollMs);
    }
    for (const id of pending) outcomes.set(id, 'timeout');
    return outcomes;
  }

  async close(): Promise<void> {
    await this.queues.close();
  }
}

function settledOutcome(record: SessionRecord, epochBefore: number): SessionOutcome | undefined {
  if (record.epoch <= epochBefore) return undefined;
  if (record.status === 'connected') return 'connected';
  if (record.status === 'qr' || record.status === 'logged_out') return 'needs_scan';
  if (record.status === 'failed') return 'failed';
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
