import { Redis } from 'ioredis';
import type { S3Settings } from '@fleet/backups';
import { Membership, type WorkerInfo } from '@fleet/cluster';
import { createSilentLogger } from '@fleet/logger';
import { readMediaConfig, type MediaSettings } from '@fleet/media';
import { cleanPrefix, freshPrefix, testRedis, TEST_REDIS_URL } from '@fleet/testing';
import { createIngress, type Ingress, type IngressConfig } from '../src';

export const API_KEY = 'test-key-0123456789abcdef';
/** Media settings of test ingresses that upload nothing (S3 is never reached); media tests pass their own. */
export const TEST_MEDIA: MediaSettings = readMediaConfig({ MEDIA_SIGNING_SECRET: 'ingress-test-media-secret-0123456789' });
/** SESSION_SECRETS_KEY of test ingresses (a test that opens sealed proxies uses the same). */
export const TEST_SECRETS_KEY = '7f'.repeat(32);

/** The backups' bucket of test ingresses that list none (S3 is never reached); backup route tests pass a real one. */
export const TEST_BACKUPS: S3Settings = {
  bucket: 'fleet-backups',
  prefix: 'fleet/',
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  forcePathStyle: true,
  credentials: { accessKeyId: 'none', secretAccessKey: 'none' },
};

export interface IngressHarness {
  readonly ingress: Ingress;
  readonly redis: Redis;
  readonly prefix: string;
  /** Registers a worker in Redis (membership only) and brings the placement table up to date. */
  addWorker(instanceId: string, maxSessions?: number): Promise<WorkerInfo>;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The configuration of a test ingress under `prefix` (a second ingress of a harness takes `h.prefix`). */
export function testIngressConfig(prefix: string, overrides: Partial<IngressConfig> = {}, redisUrl = TEST_REDIS_URL): IngressConfig {
  return {
    common: { redisUrl, redisPrefix: prefix, logLevel: 'error' },
    host: '127.0.0.1',
    port: 0,
    apiKeys: [API_KEY],
    bodyLimitBytes: 4096,
    shardCount: 16,
    heartbeatTtlMs: 10_000,
    healthSweepMs: 60_000,
    messageRetentionSeconds: 7 * 24 * 3600,
    messageBodyRetentionSeconds: 2 * 24 * 3600,
    media: TEST_MEDIA,
    backups: TEST_BACKUPS,
    sessionSecrets: { key: TEST_SECRETS_KEY, generated: false },
    ...overrides,
  };
}

/** An ingress on the test Redis, or on `redisUrl` (a private server: see private-redis.ts). */
export async function startIngress(overrides: Partial<IngressConfig> = {}, redisUrl = TEST_REDIS_URL): Promise<IngressHarness> {
  const prefix = freshPrefix('ing');
  const config = testIngressConfig(prefix, overrides, redisUrl);
  const ingress = createIngress(config, { logger: createSilentLogger() });
  await ingress.deps.cluster.start();
  const redis = redisUrl === TEST_REDIS_URL ? testRedis() : new Redis(redisUrl, { maxRetriesPerRequest: null });
  const membership = new Membership({ redis, keys: ingress.deps.keys });
  return {
    ingress,
    redis,
    prefix,
    async addWorker(instanceId, maxSessions = 100) {
      const info = await membership.register({ instanceId, url: `http://127.0.0.1:1/${instanceId}`, maxSessions });
      const workers = (await membership.live()).map((worker) => worker.instanceId);
      await ingress.deps.cluster.placementStore.reconcile(workers, config.shardCount);
      await ingress.deps.cluster.refresh();
      return info;
    },
    async call(method, path, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const response = await ingress.app.request(path, init);
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (metrics)
      }
      return { status: response.status, body: parsed };
    },
    async close() {
      await ingress.close();
      await cleanPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
