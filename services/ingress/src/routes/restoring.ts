import { ApiError } from '@fleet/errors';
import type { IngressDeps } from '../deps';

/**
 * 409 `SESSION_RESTORING` while a restore replaces the session's files (`fleetctl restore` holds its
 * lock): a start, stop, delete or create then would race the swap. The worker's lease script refuses
 * the session too, so a command accepted just before the lock was taken still waits for the restore.
 */
export async function assertNotRestoring(deps: IngressDeps, sessionId: string): Promise<void> {
  if (await deps.restoreLocks.isLocked(sessionId)) {
    throw new ApiError('SESSION_RESTORING', "a restore is replacing this session's files; retry when it has finished", { session_id: sessionId });
  }
}
