/**
 * Every Redis key and BullMQ queue name Fleet uses, under one namespace prefix. No other module
 * builds a key by hand. BullMQ queue names may not contain `:`, so they are dash-separated and live
 * under their own BullMQ prefix.
 */
export interface Keys {
  readonly prefix: string;
  /** Prefix handed to BullMQ (`<prefix>:bull`), so queues share the namespace. */
  readonly bullPrefix: string;

  /** String: the cluster's shard count S, fixed when the cluster is created. */
  readonly shardCount: string;
  /** Set of worker ids that have registered (live or not; liveness is the worker key's TTL). */
  readonly workers: string;
  /** Hash with a worker's registration; expires unless heartbeats renew it. */
  worker(instanceId: string): string;
  /** Counter bumped on every membership change. */
  readonly membershipVersion: string;
  /** Pub/sub channel announcing membership and pin changes. */
  readonly membershipChannel: string;
  /** String (JSON): the shard placement table in force. */
  readonly placement: string;
  /** Hash workspace id → worker id: operator pins overriding the ring. */
  readonly pins: string;

  /** Hash: one session's record. */
  session(sessionId: string): string;
  /** Set of every session id. */
  readonly sessions: string;
  /** Set of the session ids of one shard. */
  shardSessions(shard: number): string;
  /** Set of the session ids of one workspace. */
  workspaceSessions(workspaceId: number): string;

  /** Hash: one message's record. */
  message(messageId: string): string;
  /** String: message id for a caller's idempotency key, scoped to the session. */
  idempotency(sessionId: string, key: string): string;

  /** Queue name of a shard's command queue. */
  shardQueue(shard: number): string;
  /** Queue name of the events queue (webhooks). */
  readonly eventsQueue: string;
  /** Queue name of cluster-wide scheduled maintenance jobs. */
  readonly maintenanceQueue: string;
}

const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

export function createKeys(prefix: string): Keys {
  if (!PREFIX_PATTERN.test(prefix)) throw new Error(`invalid key prefix "${prefix}"`);
  const k = (...parts: Array<string | number>): string => [prefix, ...parts].join(':');
  return Object.freeze({
    prefix,
    bullPrefix: k('bull'),
    shardCount: k('cluster', 'shards'),
    workers: k('workers'),
    worker: (instanceId: string) => k('worker', instanceId),
    membershipVersion: k('membership', 'version'),
    membershipChannel: k('membership', 'changes'),
    placement: k('cluster', 'placement'),
    pins: k('pins'),
    session: (sessionId: string) => k('session', sessionId),
    sessions: k('sessions'),
    shardSessions: (shard: number) => k('shard', shard, 'sessions'),
    workspaceSessions: (workspaceId: number) => k('workspace', workspaceId, 'sessions'),
    message: (messageId: string) => k('message', messageId),
    idempotency: (sessionId: string, key: string) => k('idem', sessionId, key),
    shardQueue: (shard: number) => `shard-${shard}`,
    eventsQueue: 'events',
    maintenanceQueue: 'maintenance',
  });
}
