export { Membership, DEFAULT_HEARTBEAT_TTL_MS, type WorkerInfo, type MembershipOptions } from './membership';
export { PlacementStore, type PlacementTable } from './placement-store';
export { ClusterView, routeOf, type ClusterViewOptions, type ClusterSnapshot, type Route } from './cluster-view';
export { OwnedShards, queueOf } from './job-routing';
