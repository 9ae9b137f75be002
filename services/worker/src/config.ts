import { EnvReader, readCommon, type CommonConfig, type Env } from '@fleet/config';
import { readMediaSettings, type MediaSettings } from '@fleet/media';
import { AllowList } from '@fleet/net';
import { DEFAULT_SHARD_COUNT } from '@fleet/ring';
import { readSessionSecretsSettings, type SessionSecretsSettings } from '@fleet/state';
import { randomBytes } from 'node:crypto';
import { DEFAULT_DISK_THREADS, DEFAULT_JOURNAL_MAX_BYTES } from './auth-state';
import { DEFAULT_CREDS_POOL_SIZE } from './connector/baileys/options';

/** The worker's settings, parsed once from the environment (see docs/configuration.md). */
export interface WorkerConfig {
  readonly common: CommonConfig;
  /** Stable worker name; a restarted worker with the same name gets its shards back. */
  readonly instanceId: string;
  readonly maxSessions: number;
  /** Root of the shared session storage (NFS in production). */
  readonly storagePath: string;
  readonly host: string;
  readonly port: number;
  /** URL other processes use to reach this worker's HTTP server. */
  readonly advertiseUrl: string | undefined;
  /**
   * Admin keys (API_KEYS, the ingress's): its HTTP routes that act or reveal internals
   * (`/storage-check`) need one; none configured: they answer 403. `/health` and `/metrics` never do.
   */
  readonly apiKeys: readonly string[];
  /** WhatsApp Web socket URL; WhatsApp's own unless set (the simulator in development). */
  readonly waWebSocketUrl: string | undefined;
  readonly shardCount: number;
  readonly heartbeatTtlMs: number;
  /** Jobs one shard consumer runs at once. */
  readonly shardConcurrency: number;
  /** Threads doing the auth state's file work (fence checks, atomic writes, fsyncs). */
  readonly authStateIoThreads: number;
  /** Bound of each session's key journal (KiB): the Signal keys held in memory per session until compaction. */
  readonly authStateJournalKb: number;
  /** Credentials for new sessions made ahead while idle (the largest burst of creations expected). */
  readonly credsPoolSize: number;
  /** Bound of the process-wide cache of Signal key files (MiB). */
  readonly keyCacheMb: number;
  /** A message written to the socket with no server ack after this long is written again (or failed). */
  readonly messageAckTimeoutMs: number;
  /** Writes of one message before it fails. */
  readonly messageSendAttempts: number;
  /** Messages a session may send at once after a quiet time, before SEND_RATE_PER_SESSION paces it. */
  readonly sendBurstPerSession: number;
  /** Messages a second a session sends once its burst is spent (0 = unpaced); the rest wait in its outbox. */
  readonly sendRatePerSession: number;
  /** A message not sent this long after it was accepted fails (`expired`); its session never connected. */
  readonly messageMaxWaitSeconds: number;
  /** Delay before a session reconnects after a 440 conflict (another socket took over its device). */
  readonly conflictReconnectDelayMs: number;
  /** 440 conflicts within 10 minutes after which a session fails instead of reconnecting. */
  readonly conflictsBeforeFailing: number;
  /** The media store (MEDIA_*, S3_*, PUBLIC_BASE_URL), as the ingress reads it; none: media cannot be sent or stored. */
  readonly media: MediaSettings | undefined;
  /** An extra CA (PEM file) trusted for WhatsApp's media hosts: the simulator's in development and tests. */
  readonly waMediaCaFile: string | undefined;
  /** Delay before the first background retry of a received media's download, doubled each time. */
  readonly mediaRetryDelayMs: number;
  /** Background retries of a received media's download before it stays unavailable. */
  readonly mediaRetryAttempts: number;
  /** SESSION_SECRETS_KEY: opens the sessions' sealed proxy URLs (the ingress seals them with the same key). */
  readonly sessionSecrets: SessionSecretsSettings;
  /**
   * Non-public hosts and networks a session's proxy may be (PROXY_ALLOW: CIDRs, addresses, host
   * names), judged at each connection after DNS; the ingress judges them when a proxy is set. Default none.
   */
  readonly proxyAllow: readonly string[];
}

export const WORKER_DEFAULTS = {
  maxSessions: 500,
  host: '0.0.0.0',
  port: 3001,
  apiKeys: [],
  heartbeatTtlMs: 10_000,
  shardConcurrency: 16,
  authStateIoThreads: DEFAULT_DISK_THREADS,
  authStateJournalKb: DEFAULT_JOURNAL_MAX_BYTES / 1024,
  credsPoolSize: DEFAULT_CREDS_POOL_SIZE,
  keyCacheMb: 64,
  messageAckTimeoutMs: 30_000,
  messageSendAttempts: 3,
  sendBurstPerSession: 20,
  sendRatePerSession: 5,
  messageMaxWaitSeconds: 24 * 3600,
  conflictReconnectDelayMs: 5_000,
  conflictsBeforeFailing: 3,
  mediaRetryDelayMs: 60_000,
  mediaRetryAttempts: 6,
  proxyAllow: [],
} as const;

/**
 * A worker's settings from code (tests, embedding): what must be given, every other setting its
 * default (WORKER_DEFAULTS), then `overrides`. The environment path is `readWorkerConfig`.
 */
export function workerConfig(
  required: Pick<WorkerConfig, 'common' | 'instanceId' | 'storagePath'>,
  overrides: Partial<Omit<WorkerConfig, 'common' | 'instanceId' | 'storagePath'>> = {},
): WorkerConfig {
  return Object.freeze({
    ...WORKER_DEFAULTS,
    advertiseUrl: undefined,
    waWebSocketUrl: undefined,
    media: undefined,
    waMediaCaFile: undefined,
    sessionSecrets: { key: randomBytes(32).toString('hex'), generated: true },
    shardCount: DEFAULT_SHARD_COUNT,
    ...required,
    ...overrides,
  });
}

export function readWorkerConfig(env: Env): WorkerConfig {
  const reader = new EnvReader(env);
  const instanceId = reader.requiredString('INSTANCE_ID');
  if (instanceId && !/^[A-Za-z0-9_-]{1,64}$/.test(instanceId)) {
    reader.fail(`INSTANCE_ID must be 1-64 letters, digits, _ or -, got "${instanceId}"`);
  }
  const apiKeys = reader.list('API_KEYS');
  if (apiKeys.some((key) => key.length < 16)) reader.fail('API_KEYS: every key must be at least 16 characters');
  const proxyAllow = reader.list('PROXY_ALLOW');
  for (const problem of AllowList.problems(proxyAllow)) reader.fail(`PROXY_ALLOW: ${problem}`);
  return reader.finish({
    common: readCommon(reader),
    instanceId,
    maxSessions: reader.int('MAX_SESSIONS_PER_INSTANCE', WORKER_DEFAULTS.maxSessions, { min: 1, max: 100_000 }),
    storagePath: reader.requiredString('SESSION_STORAGE_PATH'),
    host: reader.string('WORKER_HOST', WORKER_DEFAULTS.host),
    port: reader.int('WORKER_PORT', WORKER_DEFAULTS.port, { min: 0, max: 65535 }),
    advertiseUrl: reader.optionalUrl('WORKER_ADVERTISE_URL', ['http', 'https']),
    apiKeys,
    waWebSocketUrl: reader.optionalUrl('WA_WEBSOCKET_URL', ['ws', 'wss']),
    shardCount: reader.int('SHARD_COUNT', DEFAULT_SHARD_COUNT, { min: 1, max: 16384 }),
    heartbeatTtlMs: reader.int('HEARTBEAT_TTL_MS', WORKER_DEFAULTS.heartbeatTtlMs, { min: 1000, max: 600_000 }),
    shardConcurrency: reader.int('SHARD_CONCURRENCY', WORKER_DEFAULTS.shardConcurrency, { min: 1, max: 1000 }),
    authStateIoThreads: reader.int('AUTH_STATE_IO_THREADS', WORKER_DEFAULTS.authStateIoThreads, { min: 1, max: 64 }),
    authStateJournalKb: reader.int('AUTH_STATE_JOURNAL_KB', WORKER_DEFAULTS.authStateJournalKb, { min: 0, max: 65_536 }),
    credsPoolSize: reader.int('CREDS_POOL_SIZE', WORKER_DEFAULTS.credsPoolSize, { min: 0, max: 100_000 }),
    keyCacheMb: reader.int('KEY_CACHE_MB', WORKER_DEFAULTS.keyCacheMb, { min: 1, max: 65_536 }),
    messageAckTimeoutMs: reader.int('MESSAGE_ACK_TIMEOUT_MS', WORKER_DEFAULTS.messageAckTimeoutMs, { min: 1_000, max: 600_000 }),
    messageSendAttempts: reader.int('MESSAGE_SEND_ATTEMPTS', WORKER_DEFAULTS.messageSendAttempts, { min: 1, max: 20 }),
    sendBurstPerSession: reader.int('SEND_BURST_PER_SESSION', WORKER_DEFAULTS.sendBurstPerSession, { min: 1, max: 10_000 }),
    sendRatePerSession: reader.number('SEND_RATE_PER_SESSION', WORKER_DEFAULTS.sendRatePerSession, { min: 0, max: 1_000 }),
    // At most the ledger's body retention (2 days): a message is sent from its body.
    messageMaxWaitSeconds: reader.int('MESSAGE_MAX_WAIT_SECONDS', WORKER_DEFAULTS.messageMaxWaitSeconds, { min: 60, max: 2 * 24 * 3600 }),
    conflictReconnectDelayMs: reader.int('CONFLICT_RECONNECT_DELAY_MS', WORKER_DEFAULTS.conflictReconnectDelayMs, { min: 0, max: 600_000 }),
    conflictsBeforeFailing: reader.int('CONFLICTS_BEFORE_FAILING', WORKER_DEFAULTS.conflictsBeforeFailing, { min: 0, max: 1_000 }),
    media: readMediaSettings(reader),
    waMediaCaFile: reader.optionalString('WA_MEDIA_CA_FILE'),
    mediaRetryDelayMs: reader.int('MEDIA_RETRY_DELAY_MS', WORKER_DEFAULTS.mediaRetryDelayMs, { min: 1_000, max: 3_600_000 }),
    mediaRetryAttempts: reader.int('MEDIA_RETRY_ATTEMPTS', WORKER_DEFAULTS.mediaRetryAttempts, { min: 0, max: 20 }),
    sessionSecrets: readSessionSecretsSettings(reader),
    proxyAllow,
  });
}
