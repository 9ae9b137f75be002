export { shardOf, DEFAULT_SHARD_COUNT } from './shard';
export { placeShards, shardsByWorker, shardCap, shardKey, RING_VNODES, DEFAULT_EPSILON, type Placement, type PlacementOptions } from './placement';
