import type { Wake, WakePath } from '@fleet/state';
import type { IngressDeps } from './deps';

/**
 * Sends `wake` to the worker that runs the workspace's sessions (its pin, else its shard's owner),
 * straight on that worker's channel when it listens, as a job in the shard's queue otherwise
 * (WorkerWakes); counted by name and path. `published`: the wake-up already went out on the owner's
 * channel (from the accept script) and that many listeners heard it, so only the job is left to add
 * when none did. Rejects only when neither worked (counted as failed).
 */
export async function wakeOwner(deps: IngressDeps, wake: Wake, workspaceId: number | undefined, published?: number): Promise<WakePath> {
  try {
    let path: WakePath;
    if (published === undefined) {
      const route = workspaceId === undefined ? undefined : deps.cluster.route(workspaceId);
      path = await deps.wakes.wake(wake, route?.ownerLive ? route.owner : undefined);
    } else if (published > 0) {
      path = 'direct';
    } else {
      await deps.wakes.queue(wake);
      path = 'queued';
    }
    deps.metrics.wakes.inc({ name: wake.name, path });
    return path;
  } catch (error) {
    deps.metrics.wakes.inc({ name: wake.name, path: 'failed' });
    throw error;
  }
}
