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

  /** Hash: a session's lease (owner, incarnation, epoch); valid while that incarnation is registered. */
  lease(sessionId: string): string;
  /** Pub/sub channel announcing released leases, so successors start at once. */
  readonly leaseChannel: string;
  /** Pub/sub channel: a worker waits for this session's lease; its holder lets go if it does not run it. */
  readonly leaseRequests: string;
  /** Pub/sub channel of one worker: wake-ups for sessions it runs, sends and starts (JSON `{name, shard, job}`), sent by the ingress. */
  workerWakes(instanceId: string): string;
  /** String (restore token, with expiry): a restore is replacing this session's files; no lease may be taken. */
  restoreLock(sessionId: string): string;
  /** Hash: one session's record. */
  session(sessionId: string): string;
  /** Set of every session id. */
  readonly sessions: string;
  /** Set of the session ids of one shard. */
  shardSessions(shard: number): string;
  /** Set of the session ids of one workspace. */
  workspaceSessions(workspaceId: number): string;
  /** Pub/sub channel: a session's status or QR changed (message = session id); wakes long polls. */
  readonly sessionChanges: string;
  /**
   * Prefix of the session index (the lists of `GET /api/sessions`): sorted sets whose scores are all 0,
   * ordered by member, fleet-wide (`<sessionIndexPrefix>all|status:<status>|terms`) and per workspace
   * (`<sessionIndexPrefix>ws:<id>:all|…`). The state package's scripts derive these names (its
   * `lua/lib/session-index.lua`); `sessionIndex` builds the same ones.
   */
  readonly sessionIndexPrefix: string;
  /** One sorted set of the session index: fleet-wide (workspace undefined) or one workspace's. */
  sessionIndex(workspaceId: number | undefined, part: 'all' | 'terms' | `status:${string}`): string;
  /** String: set once the one-off backfill of the session index has run (records written before it existed). */
  readonly sessionIndexBuilt: string;
  /** String (JSON, short expiry): a request a worker answers through a job (the phones of a contacts check). */
  sessionRequest(requestId: string): string;
  /** String (JSON, short expiry): the worker's answer to such a request. */
  sessionReply(requestId: string): string;
  /** Pub/sub channel: a reply was written (message = request id); wakes the ingress request waiting for it. */
  readonly sessionReplies: string;

  /** Hash: one message's record. */
  message(messageId: string): string;
  /** String (JSON): what a message says and to whom; kept shorter than the record (see the ledger). */
  messageBody(messageId: string): string;
  /** Hash: a message a session received (its chat, sender and a short preview), so replies and reactions can name it. */
  inboundMessage(sessionId: string, messageId: string): string;
  /** Sorted set: a session's messages waiting to be sent, score = its acceptance sequence number. */
  outbox(sessionId: string): string;
  /** Sorted set: a session's messages written to its socket and not yet acknowledged, score = ack deadline (ms). */
  inflight(sessionId: string): string;
  /** Sorted set: sessions with messages waiting, score = when the oldest waiting one was accepted (ms). */
  readonly outboxes: string;
  /** String (with expiry): the worker that expires overdue messages this minute (one per cluster). */
  readonly outboxExpiryLock: string;
  /**
   * Prefixes for Lua scripts that reach the records of the messages they find (a session's outbox
   * lists ids): `<messagePrefix><id>`, `<messagePrefix><id>:body`, `<outboxPrefix><session>`,
   * `<inflightPrefix><session>`, `<eventsPrefix><workspace>:seq|stream`. Fleet runs on one Redis
   * (with Sentinel), not Redis Cluster, so keys a script derives are fine.
   */
  readonly messagePrefix: string;
  readonly outboxPrefix: string;
  readonly inflightPrefix: string;
  readonly eventsPrefix: string;
  /** String: message id for a caller's idempotency key, scoped to the session. */
  idempotency(sessionId: string, key: string): string;

  /** Queue name of a shard's command queue. */
  shardQueue(shard: number): string;
  /** Queue name of a worker's own queue (jobs of workspaces pinned to it). */
  workerQueue(instanceId: string): string;
  /** Hash workspace id → messages accepted (all time): the audit's traffic figure. */
  readonly traffic: string;
  /** Queue name of the events queue (webhooks). */
  readonly eventsQueue: string;
  /** String (JSON): the last cluster-wide health sweep (every instance's /health, once a minute). */
  readonly healthLast: string;
  /** Queue name of cluster-wide scheduled maintenance jobs. */
  readonly maintenanceQueue: string;
  /** Queue name of the backup service's snapshot jobs (its job scheduler runs one per slot cluster-wide). */
  readonly backupQueue: string;

  /** String: last event sequence number of a workspace (INCR). */
  eventSequence(workspaceId: number): string;
  /** Stream: a workspace's events; entry id `<sequence>-0`. */
  eventStream(workspaceId: number): string;
  /** Sorted set: workspaces with events to deliver, score = earliest time (ms) to look again. */
  readonly eventsPending: string;
  /** Hash workspace id → last sequence the dispatcher settled (delivered, filtered or dead-lettered). */
  readonly eventCursors: string;
  /** Pub/sub channel: a workspace has new events or its webhook changed (message = workspace id). */
  readonly eventsChannel: string;
  /** String: a dispatcher's lock on one workspace (token, with expiry). */
  eventLock(workspaceId: number): string;
  /** Hash: retry state of the event at the head of a workspace. */
  eventRetry(workspaceId: number): string;
  /** Hash event id → dead letter (JSON) of one workspace. */
  eventDeadLetters(workspaceId: number): string;
  /** Sorted set: the dead letters of one workspace by age (member = event id, score = dead_at ms), for their retention. */
  eventDeadLetterAges(workspaceId: number): string;
  /** Sorted set: dead letters queued for replay (member = event JSON, score = sequence). */
  eventReplay(workspaceId: number): string;
  /** Hash: a workspace's webhook (url, secret, events filter). */
  webhook(workspaceId: number): string;

  /** Hash: one media object's record (the object itself is in S3); expires with its retention. */
  media(mediaId: string): string;
  /** Sorted set: every stored media object, member `<workspace_id>/<media_id>`, score = when it expires (ms). */
  readonly mediaExpiry: string;
  /** Sorted set: received media whose download failed, score = when to try again (ms); member = media id. */
  readonly mediaRetries: string;
  /** String (JSON, with expiry): what a failed download needs to be tried again (the message's media key …). */
  mediaRetry(mediaId: string): string;

  /** Hash: one workspace API key (workspace, name, scopes, sha256 of its secret, times); never its secret. */
  apiKey(keyId: string): string;
  /** Sorted set: every workspace API key id, score = when it was created (ms). */
  readonly apiKeys: string;
  /** Sorted set: the API key ids of one workspace, score = when each was created (ms). */
  workspaceApiKeys(workspaceId: number): string;
  /** Pub/sub channel: an API key was created or revoked (message = key id); ingresses drop their cached copy. */
  readonly apiKeysChannel: string;
  /** Hash: the request rate limit bucket of one API key (`<kind>:<id>`: `ws:<key id>` or `admin:<digest>`). */
  rateLimitKey(bucketId: string): string;
  /** Hash: the send rate limit bucket of one session. */
  rateLimitSession(sessionId: string): string;
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
    lease: (sessionId: string) => k('lease', sessionId),
    leaseChannel: k('lease', 'released'),
    leaseRequests: k('lease', 'requests'),
    workerWakes: (instanceId: string) => k('wakes', instanceId),
    restoreLock: (sessionId: string) => k('restore', sessionId),
    session: (sessionId: string) => k('session', sessionId),
    sessions: k('sessions'),
    shardSessions: (shard: number) => k('shard', shard, 'sessions'),
    workspaceSessions: (workspaceId: number) => k('workspace', workspaceId, 'sessions'),
    sessionChanges: k('sessions', 'changed'),
    sessionIndexPrefix: `${k('sindex')}:`,
    sessionIndex: (workspaceId: number | undefined, part: string) => (workspaceId === undefined ? k('sindex', part) : k('sindex', 'ws', workspaceId, part)),
    sessionIndexBuilt: k('sindex', 'built'),
    sessionRequest: (requestId: string) => k('request', requestId),
    sessionReply: (requestId: string) => k('reply', requestId),
    sessionReplies: k('replies'),
    message: (messageId: string) => k('message', messageId),
    messageBody: (messageId: string) => k('message', messageId, 'body'),
    outbox: (sessionId: string) => k('outbox', sessionId),
    inboundMessage: (sessionId: string, messageId: string) => k('inbound', sessionId, messageId),
    inflight: (sessionId: string) => k('inflight', sessionId),
    outboxes: k('outboxes'),
    outboxExpiryLock: k('outboxes', 'expiry-lock'),
    messagePrefix: `${k('message')}:`,
    outboxPrefix: `${k('outbox')}:`,
    inflightPrefix: `${k('inflight')}:`,
    eventsPrefix: `${k('events')}:`,
    idempotency: (sessionId: string, key: string) => k('idem', sessionId, key),
    shardQueue: (shard: number) => `shard-${shard}`,
    workerQueue: (instanceId: string) => `worker-${instanceId}`,
    traffic: k('traffic'),
    eventsQueue: 'events',
    maintenanceQueue: 'maintenance',
    healthLast: k('health', 'last'),
    backupQueue: 'backup',
    eventSequence: (workspaceId: number) => k('events', workspaceId, 'seq'),
    eventStream: (workspaceId: number) => k('events', workspaceId, 'stream'),
    eventsPending: k('events', 'pending'),
    eventCursors: k('events', 'cursors'),
    eventsChannel: k('events', 'wake'),
    eventLock: (workspaceId: number) => k('events', workspaceId, 'lock'),
    eventRetry: (workspaceId: number) => k('events', workspaceId, 'retry'),
    eventDeadLetters: (workspaceId: number) => k('events', workspaceId, 'dead'),
    eventDeadLetterAges: (workspaceId: number) => k('events', workspaceId, 'dead-ages'),
    eventReplay: (workspaceId: number) => k('events', workspaceId, 'replay'),
    webhook: (workspaceId: number) => k('webhook', workspaceId),
    media: (mediaId: string) => k('media', mediaId),
    mediaExpiry: k('media', 'expiry'),
    mediaRetries: k('media', 'retries'),
    mediaRetry: (mediaId: string) => k('media', 'retry', mediaId),
    apiKey: (keyId: string) => k('apikey', keyId),
    apiKeys: k('apikeys'),
    workspaceApiKeys: (workspaceId: number) => k('workspace', workspaceId, 'apikeys'),
    apiKeysChannel: k('apikeys', 'changed'),
    rateLimitKey: (bucketId: string) => k('ratelimit', 'key', bucketId),
    rateLimitSession: (sessionId: string) => k('ratelimit', 'session', sessionId),
  });
}
