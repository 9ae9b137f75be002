import type { Wake, WakePath } from '@fleet/state';
import type { IngressDeps } from './deps';

/**
 * Sends `wake` to the worker that runs the workspace's sessions (its pin, else its shard's owner),
 * straight on that worker's channel when it listens, as a job in the shard's queue otherwise
 * (WorkerWakes); counted by name and path. Rejects only when neither worked (counted as failed).
 */
export async function wakeOwner(deps: IngressDeps, wake: Wake, workspaceId: number | undefined): Promise<WakePath> {
  const route = workspaceId === undefined ? undefined : deps.cluster.route(workspaceId);
  try {
    const path = await deps.wakes.wake(wake, route?.ownerLive ? route.owner : undefined);
    deps.metrics.wakes.inc({ name: wake.name, path });
    return path;
  } catch (error) {
    deps.metrics.wakes.inc({ name: wake.name, path: 'failed' });
    throw error;
  }
}
