/** Commands carried by a shard's queue. Every handler is idempotent: BullMQ is at-least-once. */
export interface SessionStartJob {
  readonly sessionId: string;
}
export interface SessionStopJob {
  readonly sessionId: string;
}
export interface SessionLogoutJob {
  readonly sessionId: string;
}
export interface MessageSendJob {
  readonly messageId: string;
  readonly sessionId: string;
  readonly to: string;
  readonly text: string;
}

export interface ShardJobs {
  'session.start': SessionStartJob;
  'session.stop': SessionStopJob;
  'session.logout': SessionLogoutJob;
  'message.send': MessageSendJob;
}
export type ShardJobName = keyof ShardJobs;
export const SHARD_JOB_NAMES: readonly ShardJobName[] = ['session.start', 'session.stop', 'session.logout', 'message.send'];

/** Job ids may not contain `:` nor be all digits (BullMQ); ours are `<kind>-<id>[-<suffix>]`. */
export function jobId(kind: string, id: string, suffix?: string | number): string {
  return suffix === undefined ? `${kind}-${id}` : `${kind}-${id}-${suffix}`;
}
