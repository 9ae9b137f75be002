import type { LeaseHolder, LeasePurpose, LeaseStore, TakeResult } from '@fleet/state';
import { fenceHolder, sharedDiskThreads, type DiskThreads } from '../auth-state';

/** Takes before giving up on a directory whose fence keeps moving (each one hands out a higher epoch). */
const MAX_TAKES = 4;

/**
 * Takes a session's lease and claims its directory's fence for that epoch (`claimFence`). When the
 * directory already saw the epoch or a higher one (a Redis failover lost the increment that handed
 * it out, or a restore raised the fence above Redis), takes the lease again past it, so the run
 * starts instead of failing on a stale fence forever, and the older run it would have shared a
 * number with is fenced off. A claim that cannot be done (I/O) leaves the decision to the open that
 * follows, which checks the fence again.
 */
export async function takeFencedLease(
  leases: LeaseStore,
  sessionId: string,
  holder: LeaseHolder,
  dir: string,
  purpose: LeasePurpose = 'running',
  disk: DiskThreads = sharedDiskThreads(),
): Promise<TakeResult> {
  let lease = await leases.take(sessionId, holder, Date.now(), purpose);
  for (let takes = 1; lease.taken && takes < MAX_TAKES; takes += 1) {
    const fence = await disk.claim(dir, lease.epoch, fenceHolder(holder)).catch(() => undefined);
    if (fence?.kind !== 'stale') return lease;
    const again = await leases.take(sessionId, holder, Date.now(), purpose, fence.current + 1);
    // Refused now (stopped, restoring meanwhile): the lease taken above must not stay held by nobody.
    if (!again.taken) await leases.release(sessionId, holder.instanceId, lease.epoch);
    lease = again;
  }
  return lease;
}
