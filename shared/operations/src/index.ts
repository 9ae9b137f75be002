export { type OperationsContext, type Progress, noProgress } from './context';
export { pinWorkspace, unpinWorkspace } from './pins';
export { migrateWorkspace, type MigrationResult } from './migrate';
export { drainInstance, type DrainResult } from './drain';
export { waitForSessions, type SessionMove } from './moves';
export { planRebalance, rebalance, DEFAULT_REBALANCE_TOLERANCE, type RebalancePlan, type ShardMove, type LoadSummary } from './rebalance';
export { auditWorkspaces, type AuditRow } from './audit';
