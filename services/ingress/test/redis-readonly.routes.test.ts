import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startIngress, type IngressHarness } from './helpers';
import { freePort, startPrivateRedis, type PrivateRedis } from './private-redis';

describe('ingress: Redis demoted to a read-only replica during a failover (private redis-server)', function () {
  this.timeout(30_000);
  let server: PrivateRedis;
  let h: IngressHarness;
  let direct: Redis;

  beforeEach(async () => {
    server = await startPrivateRedis();
    h = await startIngress({}, server.url);
    await h.addWorker('instance-1');
    direct = new Redis(server.url, { maxRetriesPerRequest: null });
  });

  afterEach(async () => {
    try {
      await direct.replicaof('NO', 'ONE');
      direct.disconnect();
      await h.close();
    } finally {
      await server.close();
    }
  });

  it('answers writes with 503 DEPENDENCY_UNAVAILABLE (retry later), not 500', async () => {
    expect((await h.call('POST', '/api/sessions/create', { session_id: 'ro1', workspace_id: 3, account_id: '1' })).status).to.equal(202);
    // What a failover does to the old master: it follows the new one (here, one that is not up yet).
    await direct.replicaof('127.0.0.1', await freePort());
    const writes = [
      await h.call('POST', '/api/sessions/create', { session_id: 'ro2', workspace_id: 3, account_id: '1' }),
      await h.call('POST', '/api/sessions/ro1/stop'),
      await h.call('PUT', '/api/workspaces/3/webhook', { url: 'https://crm.example.com/hook', secret: 'whsec_0123456789abcdef' }),
    ];
    for (const answer of writes) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(503);
      expect(answer.body.error.code).to.equal('DEPENDENCY_UNAVAILABLE');
    }
    // Reads still work from the replica.
    expect((await h.call('GET', '/api/sessions/ro1/status')).status).to.equal(200);
  });
});
