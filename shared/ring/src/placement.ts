import HashRing from 'hashring';

/**
 * Points per worker on the ring. Deliberately not hashring's default (40): with the default, float
 * rounding gives some ring sizes fewer points and moves keys between unchanged workers.
 */
export const RING_VNODES = 100;
/** Bounded-load slack: no worker above ceil((1 + ε) · mean) shards. */
export const DEFAULT_EPSILON = 0.25;

/** shard index → worker id ('' while a shard has no owner). */
export type Placement = readonly string[];

export interface PlacementOptions {
  readonly shardCount: number;
  /** Live worker ids (order does not matter). */
  readonly workers: readonly string[];
  /** The placement in force before this change; omit for a new cluster. */
  readonly previous?: Placement;
  readonly epsilon?: number;
}

export function shardKey(shard: number): string {
  return `shard-${shard}`;
}

/** The largest number of shards one worker may hold under bounded loads. */
export function shardCap(shardCount: number, workerCount: number, epsilon = DEFAULT_EPSILON): number {
  return Math.max(1, Math.ceil(((1 + epsilon) * shardCount) / workerCount));
}

/**
 * Computes the shard placement after a membership change, moving as little as possible:
 *
 * 1. shards of workers that left become orphans; every other shard stays where it is;
 * 2. a worker far below the mean (a newcomer) takes shards, preferring those the ring puts on it,
 *    from workers above the mean, until it reaches the mean: so a join moves about S/(N+1) shards,
 *    all of them to the newcomer;
 * 3. workers above the bounded-load cap shed their least-preferred shards;
 * 4. orphans go to the first worker clockwise on the consistent-hash ring that is under the cap.
 *
 * The result depends only on its inputs, so every process that computes it gets the same table.
 */
export function placeShards(options: PlacementOptions): Placement {
  const workers = [...new Set(options.workers)].sort();
  const { shardCount } = options;
  if (workers.length === 0) return new Array<string>(shardCount).fill('');
  const state = new PlacementState(workers, shardCount, options.previous);
  const cap = shardCap(shardCount, workers.length, options.epsilon);
  const mean = Math.floor(shardCount / workers.length);
  const lowerBound = Math.floor(mean / (1 + (options.epsilon ?? DEFAULT_EPSILON)));
  for (const worker of workers) {
    if (state.load(worker) < lowerBound) state.fillFromDonors(worker, mean);
  }
  for (const worker of workers) state.shedAbove(worker, cap);
  state.placeOrphans(cap);
  return state.owners;
}

class PlacementState {
  readonly owners: string[];
  private readonly ring: HashRing;
  private readonly loads = new Map<string, number>();
  private readonly preference = new Map<number, readonly string[]>();

  constructor(
    private readonly workers: readonly string[],
    shardCount: number,
    previous?: Placement,
  ) {
    const servers: Record<string, { vnodes: number }> = {};
    for (const worker of workers) servers[worker] = { vnodes: RING_VNODES };
    this.ring = new HashRing(servers, 'md5');
    const live = new Set(workers);
    this.owners = Array.from({ length: shardCount }, (_, shard) => {
      const owner = previous?.[shard] ?? '';
      return live.has(owner) ? owner : '';
    });
    for (const worker of workers) this.loads.set(worker, 0);
    for (const owner of this.owners) if (owner) this.loads.set(owner, this.load(owner) + 1);
  }

  load(worker: string): number {
    return this.loads.get(worker) ?? 0;
  }

  /** Live workers in ring order from the shard's point: the shard's preference list. */
  prefers(shard: number): readonly string[] {
    let list = this.preference.get(shard);
    if (!list) {
      list = this.ring.range(shardKey(shard), this.workers.length, true) as string[];
      this.preference.set(shard, list);
    }
    return list;
  }

  private rank(shard: number, worker: string): number {
    const index = this.prefers(shard).indexOf(worker);
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  }

  private assign(shard: number, worker: string): void {
    const from = this.owners[shard];
    if (from) this.loads.set(from, this.load(from) - 1);
    this.owners[shard] = worker;
    if (worker) this.loads.set(worker, this.load(worker) + 1);
  }

  fillFromDonors(worker: string, target: number): void {
    const candidates = this.owners
      .map((owner, shard) => ({ owner, shard, rank: this.rank(shard, worker) }))
      .filter((c) => c.owner !== '' && c.owner !== worker)
      .sort((a, b) => a.rank - b.rank || a.shard - b.shard);
    for (const candidate of candidates) {
      if (this.load(worker) >= target) return;
      if (this.load(candidate.owner) > target) this.assign(candidate.shard, worker);
    }
  }

  shedAbove(worker: string, cap: number): void {
    if (this.load(worker) <= cap) return;
    const mine = this.owners
      .map((owner, shard) => ({ owner, shard, rank: this.rank(shard, worker) }))
      .filter((c) => c.owner === worker)
      .sort((a, b) => b.rank - a.rank || b.shard - a.shard);
    for (const candidate of mine) {
      if (this.load(worker) <= cap) return;
      this.assign(candidate.shard, '');
    }
  }

  placeOrphans(cap: number): void {
    this.owners.forEach((owner, shard) => {
      if (owner) return;
      const prefs = this.prefers(shard);
      const target = prefs.find((worker) => this.load(worker) < cap) ?? prefs[0]!;
      this.assign(shard, target);
    });
  }
}

/** Shards per worker for a placement (workers with no shard are listed with 0). */
export function shardsByWorker(placement: Placement, workers: readonly string[] = []): Map<string, number[]> {
  const result = new Map<string, number[]>(workers.map((worker) => [worker, []]));
  placement.forEach((worker, shard) => {
    if (!worker) return;
    const list = result.get(worker) ?? [];
    list.push(shard);
    result.set(worker, list);
  });
  return result;
}
