export { SESSION_STATUSES, parseSession, type SessionStatus, type DesiredState, type SessionRecord } from './records';
export { SessionStore, type CreateOutcome, type NewSession, type SessionUpdate } from './session-store';
export { jobId, sessionJob, parseShardJob, InvalidJobError, SHARD_JOB_NAMES, type ShardJobs, type ShardJobName, type MessageSendJob } from './jobs';
export type { SessionJob, SessionStartJob, SessionStopJob, SessionLogoutJob } from './jobs';
export { ShardQueues, DEFAULT_JOB_OPTIONS } from './shard-queues';
export { LeaseStore, type TakeResult, type LeaseHolder, type Lease } from './lease-store';
export { RestoreLockStore, type LockOutcome } from './restore-lock-store';
