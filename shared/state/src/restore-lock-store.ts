import type { Redis } from 'ioredis';
import type { Keys } from '@fleet/keys';
import { STATE_SCRIPTS, type LockOutcome } from './scripts';

/** Keys per script call: a whole-fleet restore locks thousands of sessions in a few round trips. */
const BATCH = 500;

export type { LockOutcome } from './scripts';

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
      const outcome = await STATE_SCRIPTS.lockRestore.run(this.redis, { keys: this.keys, sessionIds: sessionIds.slice(i, i + BATCH), token, ttlMs });
      if (!outcome.locked) {
        await this.unlock(sessionIds.slice(0, i), token);
        return outcome;
      }
    }
    return { locked: true };
  }

  /** Extends the locks `token` holds; returns how many of the sessions it no longer holds. */
  async refresh(sessionIds: readonly string[], token: string, ttlMs: number): Promise<number> {
    let lost = 0;
    for (let i = 0; i < sessionIds.length; i += BATCH) {
      lost += await STATE_SCRIPTS.refreshRestore.run(this.redis, { keys: this.keys, sessionIds: sessionIds.slice(i, i + BATCH), token, ttlMs });
    }
    return lost;
  }

  /** Releases the locks `token` holds (another restore's are left alone). */
  async unlock(sessionIds: readonly string[], token: string): Promise<void> {
    for (let i = 0; i < sessionIds.length; i += BATCH) {
      await STATE_SCRIPTS.unlockRestore.run(this.redis, { keys: this.keys, sessionIds: sessionIds.slice(i, i + BATCH), token });
    }
  }

  async isLocked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.restoreLock(sessionId))) === 1;
  }
}
