import { EnvReader, readCommon, type CommonConfig, type Env } from '@fleet/config';
import { AllowList, isMetadataHost } from '@fleet/net';

/** The dispatcher's settings, parsed once from the environment (documented in docs/events.md). */
export interface DispatcherConfig {
  readonly common: CommonConfig;
  /** Name in logs and lock tokens. Default `dispatcher-<pid>`. */
  readonly instanceId: string;
  readonly host: string;
  readonly port: number;
  /**
   * Base URL of the Laravel app (LARAVEL_API_URL); unset = only per-workspace webhooks get events. The
   * operator's own setting: its host is trusted for these deliveries even when private (a cloud
   * metadata name or address is refused here); per-workspace webhooks are not.
   */
  readonly laravelApiUrl: string | undefined;
  /**
   * Non-public hosts and networks per-workspace webhooks may reach anyway (WEBHOOK_ALLOW: CIDRs,
   * addresses, host names; the ingress reads the same variable when a webhook is set). Default none.
   */
  readonly webhookAllow: readonly string[];
  /** Path appended to LARAVEL_API_URL. Default `/api/fleet/webhook`. */
  readonly webhookPath: string;
  /** Secret signing deliveries to LARAVEL_API_URL (required with it, at least 16 characters). */
  readonly webhookSecret: string | undefined;
  /** Workspaces delivered at the same time by this process. Default 32. */
  readonly concurrency: number;
  /** Time a receiver has to answer one delivery. Default 10 s. */
  readonly timeoutMs: number;
  /** First retry delay; doubles per attempt, with jitter. Default 1 s. */
  readonly retryBaseMs: number;
  /** Longest delay between two attempts. Default 15 min. */
  readonly retryMaxDelayMs: number;
  /** An event failing for this long goes to the dead letters. Default 24 h. */
  readonly retryMaxAgeMs: number;
  /** Attempts before dead-lettering; 0 = no limit other than retryMaxAgeMs. Default 0. */
  readonly maxAttempts: number;
  /** Fallback poll of the pending set (retries that came due). Default 250 ms. */
  readonly pollMs: number;
  /** Events one workspace may deliver before yielding its slot to others. Default 200. */
  readonly turnLimit: number;
  /**
   * Delivered events kept per workspace for GET /api/events catch-up; a workspace with no receiver
   * keeps this many of its newest events. Default 10,000.
   */
  readonly retainEvents: number;
  /** Most dead letters kept per workspace (the oldest go first). Default 1,000. */
  readonly retainDeadLetters: number;
  /** Oldest dead letter kept, from when it was dead-lettered. Default 7 days. */
  readonly retainDeadLettersMs: number;
  /** How long a workspace with no receiver waits before it is looked at again. Default 30 s. */
  readonly noReceiverRecheckMs: number;
}

export const DISPATCHER_DEFAULTS = {
  host: '0.0.0.0',
  port: 3100,
  webhookPath: '/api/fleet/webhook',
  webhookAllow: [],
  concurrency: 32,
  timeoutMs: 10_000,
  retryBaseMs: 1_000,
  retryMaxDelayMs: 15 * 60_000,
  retryMaxAgeMs: 24 * 3_600_000,
  maxAttempts: 0,
  pollMs: 250,
  turnLimit: 200,
  retainEvents: 10_000,
  retainDeadLetters: 1_000,
  retainDeadLettersMs: 7 * 24 * 3_600_000,
  noReceiverRecheckMs: 30_000,
} as const;

export function readDispatcherConfig(env: Env): DispatcherConfig {
  const reader = new EnvReader(env);
  const d = DISPATCHER_DEFAULTS;
  const laravelApiUrl = reader.optionalUrl('LARAVEL_API_URL', ['http', 'https']);
  const webhookSecret = reader.optionalString('DISPATCHER_WEBHOOK_SECRET');
  if (laravelApiUrl && !webhookSecret) reader.fail('DISPATCHER_WEBHOOK_SECRET is required when LARAVEL_API_URL is set');
  if (laravelApiUrl && URL.canParse(laravelApiUrl) && isMetadataHost(new URL(laravelApiUrl).hostname))
    reader.fail(`LARAVEL_API_URL must not point at a cloud metadata service, got "${laravelApiUrl}"`);
  const webhookAllow = reader.list('WEBHOOK_ALLOW');
  for (const problem of AllowList.problems(webhookAllow)) reader.fail(`WEBHOOK_ALLOW: ${problem}`);
  if (webhookSecret !== undefined && webhookSecret.length < 16) reader.fail('DISPATCHER_WEBHOOK_SECRET must be at least 16 characters');
  const webhookPath = reader.string('DISPATCHER_WEBHOOK_PATH', d.webhookPath);
  if (!webhookPath.startsWith('/')) reader.fail(`DISPATCHER_WEBHOOK_PATH must start with /, got "${webhookPath}"`);
  return reader.finish({
    common: readCommon(reader),
    instanceId: reader.string('DISPATCHER_ID', `dispatcher-${process.pid}`),
    host: reader.string('DISPATCHER_HOST', d.host),
    port: reader.int('DISPATCHER_PORT', d.port, { min: 0, max: 65535 }),
    laravelApiUrl,
    webhookAllow,
    webhookPath,
    webhookSecret,
    concurrency: reader.int('DISPATCHER_CONCURRENCY', d.concurrency, { min: 1, max: 1024 }),
    timeoutMs: reader.int('DISPATCHER_TIMEOUT_MS', d.timeoutMs, { min: 100, max: 120_000 }),
    retryBaseMs: reader.int('DISPATCHER_RETRY_BASE_MS', d.retryBaseMs, { min: 10, max: 3_600_000 }),
    retryMaxDelayMs: reader.int('DISPATCHER_RETRY_MAX_DELAY_MS', d.retryMaxDelayMs, { min: 10, max: 24 * 3_600_000 }),
    retryMaxAgeMs: reader.int('DISPATCHER_RETRY_MAX_AGE_MS', d.retryMaxAgeMs, { min: 0, max: 30 * 24 * 3_600_000 }),
    maxAttempts: reader.int('DISPATCHER_MAX_ATTEMPTS', d.maxAttempts, { min: 0, max: 100_000 }),
    pollMs: reader.int('DISPATCHER_POLL_MS', d.pollMs, { min: 10, max: 60_000 }),
    turnLimit: reader.int('DISPATCHER_TURN_LIMIT', d.turnLimit, { min: 1, max: 100_000 }),
    retainEvents: reader.int('DISPATCHER_RETAIN_EVENTS', d.retainEvents, { min: 0, max: 10_000_000 }),
    retainDeadLetters: reader.int('DISPATCHER_RETAIN_DEAD_LETTERS', d.retainDeadLetters, { min: 1, max: 1_000_000 }),
    retainDeadLettersMs: reader.int('DISPATCHER_RETAIN_DEAD_LETTERS_MS', d.retainDeadLettersMs, { min: 1_000, max: 365 * 24 * 3_600_000 }),
    noReceiverRecheckMs: reader.int('DISPATCHER_NO_RECEIVER_RECHECK_MS', d.noReceiverRecheckMs, { min: 100, max: 3_600_000 }),
  });
}

/** Settings with every default applied: what tests start from. */
export function dispatcherConfig(common: CommonConfig, overrides: Partial<Omit<DispatcherConfig, 'common'>> = {}): DispatcherConfig {
  return {
    common,
    instanceId: `dispatcher-${process.pid}`,
    laravelApiUrl: undefined,
    webhookSecret: undefined,
    ...DISPATCHER_DEFAULTS,
    ...overrides,
  };
}
