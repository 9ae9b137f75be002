export { SESSION_STATUSES, DESIRED_STATES, parseSession, type SessionStatus, type DesiredState, type SessionRecord, type SealedProxy } from './records';
export { SessionStore, type CreateOutcome, type NewSession, type SessionUpdate } from './session-store';
export {
  jobId,
  sessionJob,
  parseShardJob,
  InvalidJobError,
  SHARD_JOB_NAMES,
  type ShardJobs,
  type ShardJobName,
  type MessageSendJob,
  type ContactsCheckJob,
} from './jobs';
export { SessionRequests, type ContactCheckAnswer } from './session-requests';
export type { SessionJob, SessionStartJob, SessionStopJob, SessionLogoutJob } from './jobs';
export { ShardQueues, DEFAULT_JOB_OPTIONS, EVENTS_KEPT, WAKE_JOB_OPTIONS } from './shard-queues';
export { parseWake, WorkerWakes, type Wake, type WakePath } from './worker-wakes';
export {
  SessionSecrets,
  SessionSecretError,
  parseProxyUrl,
  readSessionSecretsSettings,
  PROXY_SCHEMES,
  type ProxyScheme,
  type SessionSecretsSettings,
} from './session-secrets';
export { SessionIndex, encodeCursor, decodeCursor, type SessionListQuery, type SessionListPage } from './session-index';
export { LeaseStore, type TakeResult, type LeaseHolder, type Lease, type LeasePurpose } from './lease-store';
export { RestoreLockStore, type LockOutcome } from './restore-lock-store';
