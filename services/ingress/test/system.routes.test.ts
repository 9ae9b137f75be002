import { expect } from 'chai';
import { startIngress, type IngressHarness } from './helpers';

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
