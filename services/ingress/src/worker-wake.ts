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

/**
 * A wake-up its accept script already published on the owner's channel (`heard`: listeners that got
 * it): counted as direct; nobody listening, it goes to the shard's queue as a job, as `wakeOwner` does.
 */
export async function afterPublishedWake(deps: IngressDeps, wake: Wake, heard: number): Promise<WakePath> {
  if (heard > 0) {
    deps.metrics.wakes.inc({ name: wake.name, path: 'direct' });
    return 'direct';
  }
  try {
    await deps.wakes.queue(wake);
    deps.metrics.wakes.inc({ name: wake.name, path: 'queued' });
    return 'queued';
  } catch (error) {
    deps.metrics.wakes.inc({ name: wake.name, path: 'failed' });
    throw error;
  }
}
