import type { ClusterSnapshot } from '@fleet/cluster';
import { shardCap } from '@fleet/ring';
import type { OperationsContext } from './context';

export interface ShardMove {
  readonly shard: number;
  readonly from: string;
  readonly to: string;
  readonly sessions: number;
  readonly why: string;
}

export interface RebalancePlan {
  readonly moves: readonly ShardMove[];
  readonly before: LoadSummary;
  readonly after: LoadSummary;
  readonly placementVersion: number;
}

export interface LoadSummary {
  readonly perInstance: Readonly<Record<string, number>>;
  readonly max: number;
  readonly mean: number;
}

/** Default tolerance: stop when no worker is more than 10 % above the mean session count. */
export const DEFAULT_REBALANCE_TOLERANCE = 0.1;

/**
 * Plans shard moves that even out *sessions* (not just shards) across the active workers: repeatedly
 * moves, from the busiest worker to the least busy one, the shard whose session count best halves
 * the gap, while no worker exceeds the bounded-load shard cap. Pure: it reads nothing.
 */
export function planRebalance(snapshot: ClusterSnapshot, countsByShard: readonly number[], tolerance = DEFAULT_REBALANCE_TOLERANCE): RebalancePlan {
  const active = snapshot.workers.filter((worker) => !worker.draining).map((worker) => worker.instanceId);
  const owners = [...snapshot.placement.owners];
  const loadOf = (): Map<string, number> => {
    const load = new Map(active.map((id) => [id, 0]));
    owners.forEach((owner, shard) => load.has(owner) && load.set(owner, load.get(owner)! + (countsByShard[shard] ?? 0)));
    return load;
  };
  const before = summarize(loadOf());
  const cap = shardCap(snapshot.shardCount, Math.max(1, active.length));
  const moves: ShardMove[] = [];
  for (let step = 0; step < snapshot.shardCount && active.length > 1; step += 1) {
    const load = loadOf();
    const mean = [...load.values()].reduce((a, b) => a + b, 0) / active.length;
    const sorted = [...load.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const [hi, hiLoad] = sorted[0]!;
    const [lo, loLoad] = sorted[sorted.length - 1]!;
    if (hiLoad <= mean * (1 + tolerance) || hiLoad - loLoad < 2) break;
    if (owners.filter((owner) => owner === lo).length >= cap) break;
    const gap = hiLoad - loLoad;
    const candidates = owners
      .map((owner, shard) => ({ owner, shard, sessions: countsByShard[shard] ?? 0 }))
      .filter((c) => c.owner === hi && c.sessions > 0 && c.sessions < gap)
      .sort((a, b) => Math.abs(a.sessions - gap / 2) - Math.abs(b.sessions - gap / 2) || a.shard - b.shard);
    const pick = candidates[0];
    if (!pick) break;
    owners[pick.shard] = lo;
    moves.push({
      shard: pick.shard,
      from: hi,
      to: lo,
      sessions: pick.sessions,
      why: `${hi} has ${hiLoad} sessions against a mean of ${mean.toFixed(1)}; ${lo} has ${loLoad}`,
    });
  }
  return { moves, before, after: summarize(loadOf()), placementVersion: snapshot.placement.version };
}

function summarize(load: Map<string, number>): LoadSummary {
  const values = [...load.values()];
  return {
    perInstance: Object.fromEntries(load),
    max: values.length ? Math.max(...values) : 0,
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0,
  };
}

/** Computes a plan from the live cluster; with `apply`, writes the new placement table. */
export async function rebalance(ctx: OperationsContext, options: { apply: boolean; tolerance?: number }): Promise<RebalancePlan & { applied: boolean }> {
  const snapshot = await ctx.cluster.refresh();
  const plan = planRebalance(snapshot, await ctx.sessions.countsByShard(snapshot.shardCount), options.tolerance);
  if (!options.apply || plan.moves.length === 0) return { ...plan, applied: false };
  const owners = [...snapshot.placement.owners];
  for (const move of plan.moves) owners[move.shard] = move.to;
  const applied = await ctx.cluster.placementStore.replace(snapshot.placement.version, owners);
  await ctx.cluster.refresh();
  return { ...plan, applied };
}
