import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { SCRIPTS } from './scripts';

/** Keys per script call: a whole-fleet restore locks thousands of sessions in a few round trips. */
const BATCH = 500;

export type LockOutcome = { readonly locked: true } | { readonly locked: false; readonly heldBy: string };

/**
 * The restore locks of sessions (see the restore-lock scripts): while a restore replaces a
 * session's files, no worker takes its lease and the API refuses to create, start, stop or delete it.
 */
export class RestoreLockStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /**
   * Locks every session for `token`, or none: when another restore holds one of them, the ones this
   * call locked are unlocked again and that session is named.
   */
  async lock(sessionIds: readonly string[], token: string, ttlMs: number): Promise<LockOutcome> {
    for (let i = 0; i < sessionIds.length; i += BATCH) {
      const batch = sessionIds.slice(i, i + BATCH);
      const conflict = Number(await SCRIPTS.lockRestore.run(this.redis, batch.map((id) => this.keys.restoreLock(id)), [token, ttlMs]));
      if (conflict > 0) {
        await this.unlock(sessionIds.slice(0, i), token);
        return { locked: false, heldBy: batch[conflict - 1]! };
      }
    }
    return { locked: true };
  }

  /** Extends the locks `token` holds; returns how many of the sessions it no longer holds. */
  async refresh(sessionIds: readonly string[], token: string, ttlMs: number): Promise<number> {
    let lost = 0;
    for (let i = 0; i < sessionIds.length; i += BATCH) {
      const keys = sessionIds.slice(i, i + BATCH).map((id) => this.keys.restoreLock(id));
      lost += Number(await SCRIPTS.refreshRestore.run(this.redis, keys, [token, ttlMs]));
    }
    return lost;
  }

  /** Releases the locks `token` holds (another restore's are left alone). */
  async unlock(sessionIds: readonly string[], token: string): Promise<void> {
    for (let i = 0; i < sessionIds.length; i += BATCH) {
      await SCRIPTS.unlockRestore.run(this.redis, sessionIds.slice(i, i + BATCH).map((id) => this.keys.restoreLock(id)), [token]);
    }
  }

  async isLocked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.restoreLock(sessionId))) === 1;
  }
}
