import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { SCRIPTS } from './scripts';

export type TakeResult =
  | { readonly taken: true; readonly epoch: number }
  | { readonly taken: false; readonly reason: 'held'; readonly holder: string }
  /** `restoring`: a restore is replacing the session's files; like `held`, try again later. */
  | { readonly taken: false; readonly reason: 'not_registered' | 'no_session' | 'restoring' };

export interface LeaseHolder {
  readonly instanceId: string;
  readonly incarnation: string;
}

export interface Lease {
  readonly owner: string;
  readonly incarnation: string;
  readonly epoch: number;
}

const TAKE_REFUSALS: Record<number, 'not_registered' | 'no_session' | 'restoring'> = { [-1]: 'not_registered', [-2]: 'no_session', [-3]: 'restoring' };

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
   * log its stored device out before the state is removed. The epoch handed out is at least
   * `minEpoch` (default 0: the next one).
   */
  async take(sessionId: string, holder: LeaseHolder, now = Date.now(), purpose: 'running' | 'deleted' = 'running', minEpoch = 0): Promise<TakeResult> {
    const keys = [this.keys.lease(sessionId), this.keys.session(sessionId), this.keys.worker(holder.instanceId), this.keys.restoreLock(sessionId)];
    const args = [holder.instanceId, holder.incarnation, this.keys.worker(''), now, purpose, minEpoch];
    const [code, value] = (await SCRIPTS.takeLease.run(this.redis, keys, args)) as [number, string | number | undefined];
    if (code === 1) return { taken: true, epoch: Number(value) };
    if (code === 0) return { taken: false, reason: 'held', holder: String(value) };
    return { taken: false, reason: TAKE_REFUSALS[code] ?? 'no_session' };
  }

  async release(sessionId: string, owner: string, epoch: number): Promise<boolean> {
    const args = [owner, epoch, this.keys.leaseChannel, sessionId];
    return (await SCRIPTS.releaseLease.run(this.redis, [this.keys.lease(sessionId)], args)) === 1;
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
