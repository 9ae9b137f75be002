import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readS3Settings, type S3Settings } from '@fleet/backups';
import { EnvReader, type Env } from '@fleet/config';
import { AllowList } from '@fleet/net';
import type { SafeFetcherOptions } from './fetch/safe-fetcher';

/** How media URLs are fetched (MEDIA_FETCH_*). */
export interface MediaFetchSettings {
  /** Whole fetch, body included. */
  readonly timeoutMs: number;
  /** Non-public networks and hosts allowed anyway (CIDRs, addresses, host names). */
  readonly allow: readonly string[];
  /** Extra trusted CA (PEM), read from MEDIA_FETCH_CA_FILE. */
  readonly ca: string | undefined;
  /** Plain http URLs too (development); https only otherwise. */
  readonly allowHttp: boolean;
}

/** The media store's settings, read the same way by the ingress and the workers. */
export interface MediaSettings {
  /** The media bucket: MEDIA_S3_BUCKET and MEDIA_S3_PREFIX; endpoint, region and credentials from S3_*. */
  readonly s3: S3Settings;
  readonly signingSecret: string;
  /** True when MEDIA_SIGNING_SECRET was unset (outside production) and this process made one up. */
  readonly signingSecretGenerated: boolean;
  /** Lifetime of a signed link. */
  readonly urlTtlSeconds: number;
  /** How long media records and objects are kept. */
  readonly retentionSeconds: number;
  readonly fetch: MediaFetchSettings;
  /** Base of signed links (the ingress's public URL); unset: the ingress uses the request's own. */
  readonly publicBaseUrl: string | undefined;
}

export const MEDIA_SETTINGS_DEFAULTS = {
  bucket: 'fleet-media',
  prefix: '',
  urlTtlSeconds: 3600,
  retentionDays: 30,
  fetchTimeoutMs: 30_000,
  allowHttp: false,
} as const;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads MEDIA_S3_BUCKET, MEDIA_S3_PREFIX, the S3_* connection variables (S3_ENDPOINT, S3_REGION,
 * S3_FORCE_PATH_STYLE, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY), MEDIA_SIGNING_SECRET (required when
 * NODE_ENV=production), MEDIA_URL_TTL_SECONDS, MEDIA_RETENTION_DAYS, MEDIA_FETCH_TIMEOUT_MS,
 * MEDIA_FETCH_ALLOW, MEDIA_FETCH_CA_FILE, MEDIA_FETCH_ALLOW_HTTP and PUBLIC_BASE_URL. Problems are
 * collected in `reader`.
 */
export function readMediaSettings(reader: EnvReader): MediaSettings {
  const d = MEDIA_SETTINGS_DEFAULTS;
  const bucket = reader.string('MEDIA_S3_BUCKET', d.bucket);
  if (!BUCKET.test(bucket)) reader.fail(`MEDIA_S3_BUCKET must be a valid bucket name, got "${bucket}"`);
  const prefix = readPrefix(reader);
  const secret = readSecret(reader);
  const allow = reader.list('MEDIA_FETCH_ALLOW');
  for (const problem of AllowList.problems(allow)) reader.fail(`MEDIA_FETCH_ALLOW: ${problem}`);
  const publicBaseUrl = reader.optionalUrl('PUBLIC_BASE_URL', ['http', 'https'])?.replace(/\/+$/, '');
  return {
    s3: { ...readS3Settings(reader), bucket, prefix },
    signingSecret: secret.value,
    signingSecretGenerated: secret.generated,
    urlTtlSeconds: reader.int('MEDIA_URL_TTL_SECONDS', d.urlTtlSeconds, { min: 60, max: 7 * 24 * 3600 }),
    retentionSeconds: reader.int('MEDIA_RETENTION_DAYS', d.retentionDays, { min: 1, max: 3650 }) * 24 * 3600,
    fetch: {
      timeoutMs: reader.int('MEDIA_FETCH_TIMEOUT_MS', d.fetchTimeoutMs, { min: 1000, max: 600_000 }),
      allow,
      ca: readCa(reader),
      allowHttp: reader.bool('MEDIA_FETCH_ALLOW_HTTP', d.allowHttp),
    },
    publicBaseUrl,
  };
}

/** `readMediaSettings` on its own: throws a ConfigError naming every bad variable. */
export function readMediaConfig(env: Env): Readonly<MediaSettings> {
  const reader = new EnvReader(env);
  return reader.finish(readMediaSettings(reader));
}

/** The SafeFetcher options the settings describe. */
export function fetcherOptions(settings: MediaSettings): SafeFetcherOptions {
  return {
    protocols: settings.fetch.allowHttp ? ['https:', 'http:'] : ['https:'],
    allow: settings.fetch.allow,
    ca: settings.fetch.ca,
    timeoutMs: settings.fetch.timeoutMs,
  };
}

function readPrefix(reader: EnvReader): string {
  let prefix = reader.string('MEDIA_S3_PREFIX', MEDIA_SETTINGS_DEFAULTS.prefix).replace(/^\/+/, '');
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  if (!/^[A-Za-z0-9._/-]*$/.test(prefix)) reader.fail(`MEDIA_S3_PREFIX may hold letters, digits, . _ - and /, got "${prefix}"`);
  return prefix;
}

function readSecret(reader: EnvReader): { value: string; generated: boolean } {
  const value = reader.optionalString('MEDIA_SIGNING_SECRET');
  if (value !== undefined) {
    if (value.length < 32) reader.fail('MEDIA_SIGNING_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)');
    return { value, generated: false };
  }
  if (reader.optionalString('NODE_ENV') === 'production') {
    reader.fail('MEDIA_SIGNING_SECRET is required when NODE_ENV=production (at least 32 characters, the same on every ingress and worker)');
  }
  return { value: randomBytes(32).toString('hex'), generated: true };
}

function readCa(reader: EnvReader): string | undefined {
  const file = reader.optionalString('MEDIA_FETCH_CA_FILE');
  if (file === undefined) return undefined;
  try {
    const pem = readFileSync(file, 'utf8');
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return pem;
    reader.fail(`MEDIA_FETCH_CA_FILE ${file} holds no PEM certificate`);
  } catch (error) {
    reader.fail(`MEDIA_FETCH_CA_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return undefined;
}
