import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { STATE_SCRIPTS, type TakeResult } from './scripts';

export type { TakeResult } from './scripts';

/** The desired state a lease is taken for (see `LeaseStore.take`). */
export type LeasePurpose = 'running' | 'deleted' | 'logged_out';

export interface LeaseHolder {
  readonly instanceId: string;
  readonly incarnation: string;
}

export interface Lease {
  readonly owner: string;
  readonly incarnation: string;
  readonly epoch: number;
}

/**
 * Session leases with fencing: at most one live run of a session, ever. See the take-lease and
 * release-lease scripts for the exact rules.
 */
export class LeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /**
   * Takes the lease of a session whose desired state is `purpose`: 'running' to run it, 'deleted' to
   * log its stored device out before the state is removed, 'logged_out' to unlink its stored device
   * on the API's logout. The epoch handed out is at least `minEpoch` (default 0: the next one).
   */
  async take(sessionId: string, holder: LeaseHolder, now = Date.now(), purpose: LeasePurpose = 'running', minEpoch = 0): Promise<TakeResult> {
    const { instanceId, incarnation } = holder;
    return STATE_SCRIPTS.takeLease.run(this.redis, { keys: this.keys, sessionId, instanceId, incarnation, now, purpose, minEpoch });
  }

  async release(sessionId: string, owner: string, epoch: number): Promise<boolean> {
    return STATE_SCRIPTS.releaseLease.run(this.redis, { keys: this.keys, sessionId, owner, epoch });
  }

  /**
   * Asks the lease's holder, wherever it runs, to let go if it has no socket for the session (workers
   * listen on the lease-requests channel). A holder that runs the session ignores it.
   */
  async requestRelease(sessionId: string): Promise<void> {
    await this.redis.publish(this.keys.leaseRequests, sessionId);
  }

  async get(sessionId: string): Promise<Lease | undefined> {
    const fields = await this.redis.hgetall(this.keys.lease(sessionId));
    if (!fields.owner) return undefined;
    return { owner: fields.owner, incarnation: fields.incarnation ?? '', epoch: Number(fields.epoch ?? 0) };
  }
}
