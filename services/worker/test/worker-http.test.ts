import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '@fleet/errors';
import { createRegistry } from '@fleet/metrics';
import { createWorkerHttp } from '../src/http/server';
import { readWorkerConfig } from '../src';

const KEYS = ['worker-admin-key-one-0123', 'worker-admin-key-two-4567'];

describe('worker HTTP: /health and /metrics open, /storage-check only with an admin key (in-process)', function () {
  this.timeout(30_000);
  let storage: string;

  before(async () => {
    storage = await mkdtemp(path.join(tmpdir(), 'fleet-worker-http-'));
  });
  after(async () => rm(storage, { recursive: true, force: true }));

  const app = (apiKeys: readonly string[]) =>
    createWorkerHttp(
      { instanceId: 'instance-1', maxSessions: 10, sessionCount: () => 2, isHealthy: () => true, storagePath: storage, apiKeys },
      createRegistry('worker'),
    );
  const get = async (apiKeys: readonly string[], route: string, authorization?: string) => {
    const response = await app(apiKeys).request(route, authorization ? { headers: { authorization } } : {});
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: text.startsWith('{') ? JSON.parse(text) : text };
  };

  it('answers /health and /metrics without a key, with or without API_KEYS', async () => {
    for (const keys of [[], KEYS]) {
      const health = await get(keys, '/health');
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.include({ status: 'healthy', instance_id: 'instance-1' });
      const metrics = await get(keys, '/metrics');
      expect(metrics.status).to.equal(200);
      expect(metrics.type).to.contain('text/plain');
    }
  });

  it('refuses /storage-check with 403 ADMIN_KEYS_NOT_CONFIGURED when the worker has no API_KEYS, whatever is sent', async () => {
    for (const authorization of [undefined, `Bearer ${KEYS[0]}`, 'Bearer anything-at-all']) {
      const answer = await get([], '/storage-check', authorization);
      expect(answer.status).to.equal(403);
      expect(answer.body.error.code).to.equal('ADMIN_KEYS_NOT_CONFIGURED');
      expect(answer.body.error.message).to.contain('API_KEYS');
    }
  });

  it('answers /storage-check 401 without a key or with a wrong one, and measures with any configured key', async () => {
    for (const authorization of [undefined, 'Bearer', `Basic ${KEYS[0]}`, `Bearer ${KEYS[0]}x`, `Bearer ${KEYS[0]!.slice(0, -1)}`]) {
      const answer = await get(KEYS, '/storage-check', authorization);
      expect(answer.status, String(authorization)).to.equal(401);
      expect(answer.body.error.code).to.equal('UNAUTHORIZED');
    }
    for (const authorization of [`Bearer ${KEYS[0]}`, `bearer ${KEYS[1]}`]) {
      const answer = await get(KEYS, '/storage-check', authorization);
      expect(answer.status, authorization).to.equal(200);
      expect(answer.body).to.include({ instance_id: 'instance-1', path: storage });
      expect(answer.body.latencies.map((latency: { operation: string }) => latency.operation)).to.deep.equal(['write', 'fsync', 'rename', 'read']);
    }
  });

  it('reads API_KEYS like the ingress (comma-separated, each at least 16 characters); unset is allowed', () => {
    const base = { INSTANCE_ID: 'instance-1', SESSION_STORAGE_PATH: storage };
    expect(readWorkerConfig({ ...base, API_KEYS: `${KEYS[0]}, ${KEYS[1]}` }).apiKeys).to.deep.equal(KEYS);
    expect(readWorkerConfig(base).apiKeys).to.deep.equal([]);
    expect(() => readWorkerConfig({ ...base, API_KEYS: 'short' })).to.throw(ConfigError, 'API_KEYS: every key must be at least 16 characters');
  });
});
