export {
  SESSION_STATUSES,
  MESSAGE_STATUSES,
  parseSession,
  parseMessage,
  type SessionStatus,
  type DesiredState,
  type SessionRecord,
  type MessageStatus,
  type MessageRecord,
} from './records';
export { SessionStore, type CreateOutcome, type NewSession, type SessionUpdate } from './session-store';
export {
  MessageStore,
  newMessageId,
  MESSAGE_ID_PATTERN,
  DEFAULT_MESSAGE_RETENTION_SECONDS,
  type NewMessage,
  type AcceptOutcome,
} from './message-store';
export { jobId, SHARD_JOB_NAMES, type ShardJobs, type ShardJobName, type MessageSendJob } from './jobs';
export type { SessionJob, SessionStartJob, SessionStopJob, SessionLogoutJob } from './jobs';
export { ShardQueues, DEFAULT_JOB_OPTIONS } from './shard-queues';
export { LeaseStore, type TakeResult, type LeaseHolder, type Lease } from './lease-store';
export { ADVANCE_MESSAGE_FUNCTION } from './scripts/advance-message';
