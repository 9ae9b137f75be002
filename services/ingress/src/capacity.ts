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
