import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';

/** What a worker publishes about itself while it is alive. */
export interface WorkerInfo {
  readonly instanceId: string;
  /** Random id of this run of the process; changes on every restart. */
  readonly incarnation: string;
  /** Base URL of the worker's own HTTP server (health, metrics). */
  readonly url: string;
  readonly maxSessions: number;
  readonly startedAt: number;
  readonly draining: boolean;
}

export interface MembershipOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  /** A worker whose heartbeat is older than this is dead. Default 10 000 ms. */
  readonly heartbeatTtlMs?: number;
}

export const DEFAULT_HEARTBEAT_TTL_MS = 10_000;

/** Reads and writes worker registrations: one hash per worker that expires unless renewed. */
export class Membership {
  readonly heartbeatTtlMs: number;
  private readonly redis: Redis;
  private readonly keys: Keys;

  constructor(options: MembershipOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.heartbeatTtlMs = options.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
  }

  /** Registers a new incarnation of a worker and announces the change. */
  async register(info: Omit<WorkerInfo, 'incarnation' | 'startedAt' | 'draining'>): Promise<WorkerInfo> {
    const worker: WorkerInfo = { ...info, incarnation: randomUUID(), startedAt: Date.now(), draining: false };
    const key = this.keys.worker(worker.instanceId);
    await this.redis.multi().del(key).hset(key, serialize(worker)).pexpire(key, this.heartbeatTtlMs).sadd(this.keys.workers, worker.instanceId).exec();
    await this.announce();
    return worker;
  }

  /**
   * Renews the registration if it still belongs to this incarnation. Returns false when it expired
   * or another incarnation replaced it: the caller must stop acting as that worker.
   */
  async heartbeat(worker: WorkerInfo): Promise<boolean> {
    const renewed = await this.redis.pexpire(this.keys.worker(worker.instanceId), this.heartbeatTtlMs);
    if (renewed !== 1) return false;
    const incarnation = await this.redis.hget(this.keys.worker(worker.instanceId), 'incarnation');
    return incarnation === worker.incarnation;
  }

  async setDraining(worker: WorkerInfo, draining: boolean): Promise<void> {
    await this.redis.hset(this.keys.worker(worker.instanceId), 'draining', draining ? '1' : '0');
    await this.announce();
  }

  /** Removes the registration (planned shutdown) and announces the change. */
  async deregister(worker: WorkerInfo): Promise<void> {
    const key = this.keys.worker(worker.instanceId);
    const current = await this.redis.hget(key, 'incarnation');
    if (current === worker.incarnation) await this.redis.del(key);
    await this.announce();
  }

  /** Workers whose registration has not expired, sorted by id. */
  async live(): Promise<WorkerInfo[]> {
    const ids = (await this.redis.smembers(this.keys.workers)).sort();
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.worker(id));
    const results = (await pipeline.exec()) ?? [];
    const live: WorkerInfo[] = [];
    results.forEach(([error, value], index) => {
      const fields = value as Record<string, string> | null;
      if (!error && fields && fields.incarnation) live.push(deserialize(ids[index]!, fields));
    });
    return live;
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.membershipVersion)) ?? 0);
  }

  /** Bumps the membership version and tells every process to re-read. */
  async announce(): Promise<void> {
    const version = await this.redis.incr(this.keys.membershipVersion);
    await this.redis.publish(this.keys.membershipChannel, String(version));
  }
}

function serialize(worker: WorkerInfo): Record<string, string> {
  return {
    incarnation: worker.incarnation,
    url: worker.url,
    max_sessions: String(worker.maxSessions),
    started_at: String(worker.startedAt),
    draining: worker.draining ? '1' : '0',
  };
}

function deserialize(instanceId: string, fields: Record<string, string>): WorkerInfo {
  return {
    instanceId,
    incarnation: fields.incarnation ?? '',
    url: fields.url ?? '',
    maxSessions: Number(fields.max_sessions ?? 0),
    startedAt: Number(fields.started_at ?? 0),
    draining: fields.draining === '1',
  };
}
