import type { ClusterSnapshot } from '@fleet/cluster';

export interface InstanceLoad {
  readonly instanceId: string;
  readonly url: string;
  readonly draining: boolean;
  readonly startedAt: number;
  readonly shards: number;
  readonly sessions: number;
  readonly maxSessions: number;
}

export interface FleetLoad {
  readonly instances: readonly InstanceLoad[];
  readonly sessions: number;
  readonly maxSessions: number;
}

export function utilization(sessions: number, max: number): number {
  return max > 0 ? Math.round((sessions / max) * 10_000) / 10_000 : 0;
}

/** Sessions and capacity per live worker, from the placement table and per-shard session counts. */
export function fleetLoad(snapshot: ClusterSnapshot, countsByShard: readonly number[]): FleetLoad {
  const perWorker = new Map<string, { shards: number; sessions: number }>();
  snapshot.placement.owners.forEach((owner, shard) => {
    const entry = perWorker.get(owner) ?? { shards: 0, sessions: 0 };
    entry.shards += 1;
    entry.sessions += countsByShard[shard] ?? 0;
    perWorker.set(owner, entry);
  });
  const instances = snapshot.workers.map((worker) => ({
    instanceId: worker.instanceId,
    url: worker.url,
    draining: worker.draining,
    startedAt: worker.startedAt,
    shards: perWorker.get(worker.instanceId)?.shards ?? 0,
    sessions: perWorker.get(worker.instanceId)?.sessions ?? 0,
    maxSessions: worker.maxSessions,
  }));
  return {
    instances,
    sessions: countsByShard.reduce((sum, count) => sum + count, 0),
    maxSessions: instances.reduce((sum, instance) => sum + instance.maxSessions, 0),
  };
}

/**
 * Wraps a read so that callers arriving while one is in flight share it: a burst of creations
 * costs one count of the shards, not one each. The answer is as fresh as a read of its own would be
 * for a caller that arrived while it was on its way (capacity checks race with concurrent creations
 * either way).
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
