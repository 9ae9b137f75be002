import { expect } from 'chai';
import { createSilentLogger } from '@fleet/logger';
import { waitFor } from '@fleet/testing';
import { createIngress } from '../src';
import { startIngress, type IngressHarness, testIngressConfig } from './helpers';

describe('ingress: instances, health, metrics and OpenAPI', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
  });
  afterEach(async () => h.close());

  it('lists live workers with shards, sessions and utilization', async () => {
    await h.addWorker('instance-1', 10);
    await h.addWorker('instance-2', 10);
    await h.call('POST', '/api/sessions/create', { session_id: 'a', workspace_id: 1, account_id: '1' });
    const res = await h.call('GET', '/api/instances');
    expect(res.status).to.equal(200);
    expect(res.body.instances.map((i: { instance_id: string }) => i.instance_id)).to.deep.equal(['instance-1', 'instance-2']);
    expect(res.body.instances.reduce((sum: number, i: { shards: number }) => sum + i.shards, 0)).to.equal(16);
    expect(res.body.totals).to.deep.equal({ instances: 2, sessions: 1, max_sessions: 20, utilization: 0.05 });
  });

  it('reports health without an API key: degraded with no workers, healthy with one', async () => {
    const degraded = await h.call('GET', '/health', undefined, { authorization: '' });
    expect(degraded.status).to.equal(200);
    expect(degraded.body).to.include({ status: 'degraded', redis: 'up', workers: 0 });
    await h.addWorker('instance-1', 4);
    const healthy = await h.call('GET', '/health', undefined, { authorization: '' });
    expect(healthy.body).to.deep.include({ status: 'healthy', workers: 1, sessions: { total: 0, max: 4, utilization: 0 } });
  });

  it('exports Prometheus metrics including request durations by route pattern', async () => {
    await h.call('GET', '/api/sessions/abc/status');
    const res = await h.call('GET', '/metrics');
    expect(res.status).to.equal(200);
    expect(res.body).to.contain('fleet_http_request_duration_seconds_bucket');
    expect(res.body).to.contain('route="/api/sessions/:id/status"');
    expect(res.body).not.to.contain('abc');
  });

  it('serves an OpenAPI 3.1 document with every API route', async () => {
    const res = await h.call('GET', '/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.equal('3.1.0');
    expect(Object.keys(res.body.paths)).to.include.members([
      '/api/sessions/create',
      '/api/sessions/{id}',
      '/api/sessions/{id}/status',
      '/api/messages/send',
      '/api/messages/{id}',
      '/api/instances',
      '/health',
    ]);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await h.call('GET', '/api/nothing-here');
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('NOT_FOUND');
  });
});

describe('ingress: the every-minute health sweep (the checklist HealthMonitor)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
  });
  afterEach(async () => h.close());

  it('runs by itself on its schedule, once per slot across ingresses', async () => {
    await h.close();
    h = await startIngress({ healthSweepMs: 1000, messageRetentionSeconds: 7 * 24 * 3600, messageBodyRetentionSeconds: 2 * 24 * 3600 });
    const second = createIngress(testIngressConfig(h.prefix, { healthSweepMs: 1000 }), { logger: createSilentLogger() });
    await second.deps.cluster.start();
    await second.deps.healthSweep.start();
    try {
      const first = await waitFor(() => h.ingress.deps.healthSweep.last(), { what: 'a scheduled sweep', timeoutMs: 5_000 });
      await waitFor(async () => ((await h.ingress.deps.healthSweep.last())?.checked_at ?? 0) > first!.checked_at, { what: 'the next sweep', timeoutMs: 5_000 });
      const queue = h.ingress.deps.queues.named(h.ingress.deps.keys.maintenanceQueue);
      expect(await queue.getJobSchedulersCount(), 'both ingresses share one schedule').to.equal(1);
      const done = await queue.getJobs(['completed']);
      expect(done.length).to.be.at.least(2);
      expect(new Set(done.map((job) => job.id)).size, 'one job per slot').to.equal(done.length);
    } finally {
      await second.close();
    }
  });

  it('reports each instance healthy, unreachable or expired, keeps the result and exports it', async () => {
    const { serve } = await import('@hono/node-server');
    const server = serve({
      fetch: () => Response.json({ status: 'healthy', sessions: { total: 3, max: 10, utilization: 0.3 } }),
      hostname: '127.0.0.1',
      port: 0,
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const membership = h.ingress.deps.cluster.membership;
      await membership.register({ instanceId: 'instance-1', url: `http://127.0.0.1:${port}`, maxSessions: 10 });
      await membership.register({ instanceId: 'instance-2', url: 'http://127.0.0.1:1', maxSessions: 10 });
      await h.redis.sadd(h.ingress.deps.keys.workers, 'instance-gone');
      const sweep = await h.ingress.deps.healthSweep.runOnce();
      const byInstance = Object.fromEntries(sweep.instances.map((i) => [i.instance, i]));
      expect(byInstance['instance-1']).to.include({ status: 'healthy', sessions: 3, max: 10, utilization: 0.3 });
      expect(byInstance['instance-2']!.status).to.equal('unreachable');
      expect(byInstance['instance-gone']).to.include({ status: 'unreachable', error: 'registration expired' });
      const res = await h.call('GET', '/api/health/instances');
      expect(res.status).to.equal(200);
      expect(res.body.checked_at).to.equal(sweep.checked_at);
      const metrics = (await h.call('GET', '/metrics')).body as string;
      expect(metrics).to.match(/fleet_instance_health\{[^}]*instance="instance-1"[^}]*state="healthy"[^}]*\} 1/);
      expect(metrics).to.match(/fleet_instance_health\{[^}]*instance="instance-2"[^}]*state="unreachable"[^}]*\} 1/);
    } finally {
      server.close();
    }
  });
});
