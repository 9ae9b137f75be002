import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '@fleet/errors';
import { fetcherOptions, readMediaConfig } from '../src';

const SECRET = 's'.repeat(32);

function problems(env: Record<string, string>): string[] {
  try {
    readMediaConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('media: settings (readMediaSettings)', () => {
  it('applies the documented defaults and takes the S3 connection from the S3_* variables', () => {
    const settings = readMediaConfig({
      MEDIA_SIGNING_SECRET: SECRET,
      S3_ENDPOINT: 'http://127.0.0.1:4569',
      S3_BUCKET: 'fleet-backups',
      S3_ACCESS_KEY_ID: 'a',
      S3_SECRET_ACCESS_KEY: 'b',
    });
    expect(settings.s3).to.deep.equal({
      bucket: 'fleet-media',
      prefix: '',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4569',
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    expect(settings).to.deep.include({
      signingSecret: SECRET,
      signingSecretGenerated: false,
      urlTtlSeconds: 3600,
      retentionSeconds: 30 * 86400,
      publicBaseUrl: undefined,
    });
    expect(settings.fetch).to.deep.equal({ timeoutMs: 30_000, allow: [], ca: undefined, allowHttp: false });
    expect(fetcherOptions(settings)).to.deep.equal({ protocols: ['https:'], allow: [], ca: undefined, timeoutMs: 30_000 });
    expect(Object.isFrozen(settings.fetch)).to.equal(true);
  });

  it('reads every variable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleet-media-ca-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const settings = readMediaConfig({
        MEDIA_SIGNING_SECRET: SECRET,
        MEDIA_S3_BUCKET: 'my-media',
        MEDIA_S3_PREFIX: 'prod',
        MEDIA_URL_TTL_SECONDS: '600',
        MEDIA_RETENTION_DAYS: '7',
        MEDIA_FETCH_TIMEOUT_MS: '5000',
        MEDIA_FETCH_ALLOW: '10.0.0.0/8, media.internal',
        MEDIA_FETCH_CA_FILE: path.join(dir, 'ca.pem'),
        MEDIA_FETCH_ALLOW_HTTP: 'true',
        PUBLIC_BASE_URL: 'https://fleet.example.com/',
      });
      expect(settings.s3).to.include({ bucket: 'my-media', prefix: 'prod/' });
      expect(settings).to.deep.include({ urlTtlSeconds: 600, retentionSeconds: 7 * 86400, publicBaseUrl: 'https://fleet.example.com' });
      expect(settings.fetch).to.deep.include({ timeoutMs: 5000, allow: ['10.0.0.0/8', 'media.internal'], allowHttp: true });
      expect(settings.fetch.ca).to.contain('BEGIN CERTIFICATE');
      expect(fetcherOptions(settings).protocols).to.deep.equal(['https:', 'http:']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes up a per-process secret outside production, and requires one in production', () => {
    const development = readMediaConfig({});
    expect(development.signingSecretGenerated).to.equal(true);
    expect(development.signingSecret).to.have.length(64);
    expect(readMediaConfig({}).signingSecret).to.not.equal(development.signingSecret);
    expect(problems({ NODE_ENV: 'production' })).to.deep.equal([
      'MEDIA_SIGNING_SECRET is required when NODE_ENV=production (at least 32 characters, the same on every ingress and worker)',
    ]);
    expect(readMediaConfig({ NODE_ENV: 'production', MEDIA_SIGNING_SECRET: SECRET }).signingSecretGenerated).to.equal(false);
  });

  it('names every bad variable at once', () => {
    const found = problems({
      MEDIA_SIGNING_SECRET: 'short',
      MEDIA_S3_BUCKET: 'Bad_Bucket',
      MEDIA_S3_PREFIX: 'a b',
      MEDIA_URL_TTL_SECONDS: '5',
      MEDIA_RETENTION_DAYS: '0',
      MEDIA_FETCH_TIMEOUT_MS: 'soon',
      MEDIA_FETCH_ALLOW: '10.0.0.0/40,ok.host',
      MEDIA_FETCH_CA_FILE: '/nonexistent/ca.pem',
      PUBLIC_BASE_URL: 'ftp://x',
    });
    const named = [
      'MEDIA_SIGNING_SECRET',
      'MEDIA_S3_BUCKET',
      'MEDIA_S3_PREFIX',
      'MEDIA_URL_TTL_SECONDS',
      'MEDIA_RETENTION_DAYS',
      'MEDIA_FETCH_TIMEOUT_MS',
      'MEDIA_FETCH_ALLOW',
      'MEDIA_FETCH_CA_FILE',
      'PUBLIC_BASE_URL',
    ];
    for (const name of named)
      expect(
        found.some((problem) => problem.startsWith(name)),
        `${name} in ${JSON.stringify(found)}`,
      ).to.equal(true);
    expect(found).to.have.length(named.length);
  });
});
