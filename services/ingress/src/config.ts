import { readS3Settings, type S3Settings } from '@fleet/backups';
import { EnvReader, readCommon, type CommonConfig, type Env } from '@fleet/config';
import { readMediaSettings, type MediaSettings } from '@fleet/media';
import { AllowList } from '@fleet/net';
import { DEFAULT_BODY_RETENTION_SECONDS, DEFAULT_MESSAGE_RETENTION_SECONDS } from '@fleet/messages';
import { DEFAULT_SHARD_COUNT } from '@fleet/ring';
import { RATE_LIMIT_DEFAULTS, type RateLimitSettings } from './rate-limit/rate-limiter';
import { defaultConsoleDir } from './http/console-assets';
import { readSessionSecretsSettings, type SessionSecretsSettings } from '@fleet/state';

/** The ingress's settings, parsed once from the environment (see docs/configuration.md). */
export interface IngressConfig {
  readonly common: CommonConfig;
  readonly host: string;
  readonly port: number;
  /** Admin bearer keys, accepted on every /api route (API_KEYS, comma-separated). Workspace keys live in Redis. */
  readonly apiKeys: readonly string[];
  /** Largest accepted request body. Default 64 KiB. */
  readonly bodyLimitBytes: number;
  /** Shard count for a brand-new cluster (ignored once the cluster exists). */
  readonly shardCount: number;
  readonly heartbeatTtlMs: number;
  /** How often the cluster-wide health sweep checks every instance. Default 60 000 ms. */
  readonly healthSweepMs: number;
  /** How long a message record (its status) is kept after acceptance. Default 7 days. */
  readonly messageRetentionSeconds: number;
  /**
   * How long what a message says (text, recipient) is kept after acceptance: to send it while its
   * session is away, and to answer a recipient's retry request. At least the workers'
   * MESSAGE_MAX_WAIT_SECONDS. Default 2 days.
   */
  readonly messageBodyRetentionSeconds: number;
  /** The media store (MEDIA_*, S3_* connection, PUBLIC_BASE_URL), read as the workers read it. */
  readonly media: MediaSettings;
  /** The backups' bucket (S3_BUCKET, S3_PREFIX and the S3 connection), read as the backup service reads it: the admin backup routes list it. */
  readonly backups: S3Settings;
  /** The built web console served at /console (CONSOLE_DIR); default: the @fleet/console package's build. None: /console says it is not built. */
  readonly consoleDir?: string;
  /**
   * Non-public hosts and networks a webhook URL may point at (WEBHOOK_ALLOW: CIDRs, addresses, host
   * names), checked when a webhook is set; the dispatcher checks again at delivery. Default none.
   */
  readonly webhookAllow?: readonly string[];
  /**
   * Non-public hosts and networks a session's proxy may be (PROXY_ALLOW: CIDRs, addresses, host
   * names), checked when a proxy is set; the workers check again at each connection. Default none.
   */
  readonly proxyAllow?: readonly string[];
  /** Requests per key and sends per session (RATE_LIMIT_*); default RATE_LIMIT_DEFAULTS. */
  readonly rateLimits?: RateLimitSettings;
  /**
   * SESSION_SECRETS_KEY: seals the sessions' proxy URLs (the workers open them with the same key).
   * Left out (configs built in code): a key made up by this process.
   */
  readonly sessionSecrets?: SessionSecretsSettings;
}

export const INGRESS_DEFAULTS = {
  host: '0.0.0.0',
  port: 3000,
  bodyLimitBytes: 64 * 1024,
  heartbeatTtlMs: 10_000,
  healthSweepMs: 60_000,
  messageRetentionSeconds: DEFAULT_MESSAGE_RETENTION_SECONDS,
  messageBodyRetentionSeconds: DEFAULT_BODY_RETENTION_SECONDS,
} as const;

export function readIngressConfig(env: Env): IngressConfig {
  const reader = new EnvReader(env);
  const apiKeys = reader.list('API_KEYS');
  if (apiKeys.length === 0) reader.fail('API_KEYS is required (comma-separated bearer keys)');
  for (const key of apiKeys) {
    if (key.length < 16) reader.fail('API_KEYS: every key must be at least 16 characters');
  }
  const webhookAllow = reader.list('WEBHOOK_ALLOW');
  for (const problem of AllowList.problems(webhookAllow)) reader.fail(`WEBHOOK_ALLOW: ${problem}`);
  const proxyAllow = reader.list('PROXY_ALLOW');
  for (const problem of AllowList.problems(proxyAllow)) reader.fail(`PROXY_ALLOW: ${problem}`);
  return reader.finish({
    common: readCommon(reader),
    host: reader.string('INGRESS_HOST', INGRESS_DEFAULTS.host),
    port: reader.int('INGRESS_PORT', INGRESS_DEFAULTS.port, { min: 0, max: 65535 }),
    apiKeys,
    bodyLimitBytes: reader.int('BODY_LIMIT_BYTES', INGRESS_DEFAULTS.bodyLimitBytes, { min: 1024, max: 16 * 1024 * 1024 }),
    shardCount: reader.int('SHARD_COUNT', DEFAULT_SHARD_COUNT, { min: 1, max: 16384 }),
    heartbeatTtlMs: reader.int('HEARTBEAT_TTL_MS', INGRESS_DEFAULTS.heartbeatTtlMs, { min: 1000, max: 600_000 }),
    healthSweepMs: reader.int('HEALTH_SWEEP_INTERVAL_MS', INGRESS_DEFAULTS.healthSweepMs, { min: 1000, max: 3_600_000 }),
    messageRetentionSeconds: reader.int('MESSAGE_RETENTION_SECONDS', INGRESS_DEFAULTS.messageRetentionSeconds, { min: 3_600, max: 90 * 24 * 3_600 }),
    messageBodyRetentionSeconds: reader.int('MESSAGE_BODY_RETENTION_SECONDS', INGRESS_DEFAULTS.messageBodyRetentionSeconds, { min: 600, max: 90 * 24 * 3_600 }),
    media: readMediaSettings(reader),
    backups: readS3Settings(reader),
    consoleDir: reader.optionalString('CONSOLE_DIR') ?? defaultConsoleDir(),
    webhookAllow,
    proxyAllow,
    rateLimits: {
      keyPerMinute: reader.int('RATE_LIMIT_KEY_PER_MINUTE', RATE_LIMIT_DEFAULTS.keyPerMinute, { min: 0, max: 10_000_000 }),
      adminPerMinute: reader.int('RATE_LIMIT_ADMIN_PER_MINUTE', RATE_LIMIT_DEFAULTS.adminPerMinute, { min: 0, max: 10_000_000 }),
      sessionSendsPerMinute: reader.int('RATE_LIMIT_SESSION_SENDS_PER_MINUTE', RATE_LIMIT_DEFAULTS.sessionSendsPerMinute, { min: 0, max: 10_000_000 }),
    },
    sessionSecrets: readSessionSecretsSettings(reader),
  });
}
