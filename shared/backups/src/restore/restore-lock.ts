import type { RestoreLockStore } from '@fleet/state';
import { RestoreInProgressError, RestoreLockLostError } from '../errors';

/** Default expiry of a restore's locks: how long a crashed restore keeps its sessions from starting. */
export const DEFAULT_LOCK_TTL_MS = 30_000;

/**
 * A restore's hold on its sessions (see `RestoreLockStore`): while it lasts, no worker takes their
 * leases and the API answers 409 for them. Refreshed every third of its expiry; released once every
 * directory is in place, before the sessions are started again (their lease takes would be refused
 * otherwise). A crashed restore's hold lapses by itself after the expiry.
 */
export class RestoreLock {
  private readonly timer: NodeJS.Timeout;
  private lost = 0;
  private released: Promise<void> | undefined;

  private constructor(
    private readonly store: RestoreLockStore,
    readonly sessionIds: readonly string[],
    readonly token: string,
    private readonly ttlMs: number,
  ) {
    // A refresh that fails (Redis away) is simply tried again; a lapse shows in `assertHeld`.
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), Math.max(20, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** Locks every session or throws `RestoreInProgressError` naming one another restore holds. */
  static async take(store: RestoreLockStore, sessionIds: readonly string[], token: string, ttlMs = DEFAULT_LOCK_TTL_MS): Promise<RestoreLock> {
    const outcome = await store.lock(sessionIds, token, ttlMs);
    if (!outcome.locked) throw new RestoreInProgressError(outcome.heldBy);
    return new RestoreLock(store, sessionIds, token, ttlMs);
  }

  /** Refreshes now; throws `RestoreLockLostError` when any of the locks lapsed or was taken since. */
  async assertHeld(): Promise<void> {
    await this.refresh();
    if (this.lost > 0) throw new RestoreLockLostError(this.lost);
  }

  /** Stops refreshing and releases the locks still this restore's. Safe to call twice. */
  release(): Promise<void> {
    clearInterval(this.timer);
    this.released ??= this.store.unlock(this.sessionIds, this.token);
    return this.released;
  }

  private async refresh(): Promise<void> {
    if (this.released) return;
    this.lost = Math.max(this.lost, await this.store.refresh(this.sessionIds, this.token, this.ttlMs));
  }
}
