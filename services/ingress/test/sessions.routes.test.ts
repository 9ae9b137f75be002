import { expect } from 'chai';
import { shardOf } from '@fleet/ring';
import { startIngress, type IngressHarness } from './helpers';

describe('ingress: session routes (in-process, real Redis)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
    await h.addWorker('instance-2');
  });
  afterEach(async () => h.close());

  it('answers 401 without a key or with a wrong one', async () => {
    const body = { session_id: 's1', workspace_id: 1, account_id: '1' };
    expect((await h.call('POST', '/api/sessions/create', body, { authorization: '' })).status).to.equal(401);
    const wrong = await h.call('POST', '/api/sessions/create', body, { authorization: 'Bearer nope-nope-nope-nope' });
    expect(wrong.status).to.equal(401);
    expect(wrong.body.error.code).to.equal('UNAUTHORIZED');
  });

  it('creates a session: 202 with shard, owner and status, and queues one start job for the shard', async () => {
    const res = await h.call('POST', '/api/sessions/create', { session_id: 'sess-1', workspace_id: 5, account_id: 17 });
    expect(res.status).to.equal(202);
    expect(res.body).to.include({ session_id: 'sess-1', workspace_id: 5, account_id: '17', status: 'starting', shard: shardOf(5, 16) });
    expect(res.body.instance).to.be.oneOf(['instance-1', 'instance-2']);
    const queue = h.ingress.deps.queues.queue(res.body.shard);
    expect(await queue.getJobCounts('waiting')).to.deep.equal({ waiting: 1 });

    const again = await h.call('POST', '/api/sessions/create', { session_id: 'sess-1', workspace_id: 5, account_id: '17' });
    expect(again.status).to.equal(200);
    expect(await queue.getJobCounts('waiting')).to.deep.equal({ waiting: 1 });

    const clash = await h.call('POST', '/api/sessions/create', { session_id: 'sess-1', workspace_id: 6, account_id: '17' });
    expect(clash.status).to.equal(409);
    expect(clash.body.error.code).to.equal('SESSION_EXISTS');
  });

  it('reads status straight from Redis and 404s an unknown session', async () => {
    await h.call('POST', '/api/sessions/create', { session_id: 'sess-2', workspace_id: 2, account_id: '1' });
    const status = await h.call('GET', '/api/sessions/sess-2/status');
    expect(status.status).to.equal(200);
    expect(status.body).to.include({ session_id: 'sess-2', status: 'starting', qr: null });
    const missing = await h.call('GET', '/api/sessions/nope/status');
    expect(missing.status).to.equal(404);
    expect(missing.body.error.code).to.equal('SESSION_NOT_FOUND');
  });

  it('rejects ids that could escape a directory, unknown fields, bad JSON, big bodies and wrong types', async () => {
    const traversal = await h.call('POST', '/api/sessions/create', { session_id: '../../etc', workspace_id: 1, account_id: '1' });
    expect(traversal.status).to.equal(400);
    expect(traversal.body.error.code).to.equal('INVALID_ID');
    const inPath = await h.call('GET', '/api/sessions/..%2F..%2Fetc/status');
    expect(inPath.status).to.equal(400);
    const badWorkspace = await h.call('POST', '/api/sessions/create', { session_id: 'ok', workspace_id: -3, account_id: '1' });
    expect(badWorkspace.body.error.code).to.equal('INVALID_ID');
    const unknown = await h.call('POST', '/api/sessions/create', { session_id: 'ok', workspace_id: 1, account_id: '1', extra: true });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.code).to.equal('VALIDATION_FAILED');
    const badJson = await h.call('POST', '/api/sessions/create', '{"session_id": ');
    expect(badJson.status).to.equal(400);
    expect(badJson.body.error.code).to.equal('INVALID_JSON');
    const big = await h.call('POST', '/api/sessions/create', { session_id: 'ok', workspace_id: 1, account_id: 'x'.repeat(10_000) });
    expect(big.status).to.equal(413);
    expect(big.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
    const text = await h.call('POST', '/api/sessions/create', 'hello', { 'content-type': 'text/plain' });
    expect(text.status).to.equal(415);
  });

  it('deletes: 202 deleting with a logout job, 404 for unknown sessions', async () => {
    const created = await h.call('POST', '/api/sessions/create', { session_id: 'gone', workspace_id: 3, account_id: '1' });
    const res = await h.call('DELETE', '/api/sessions/gone');
    expect(res.status).to.equal(202);
    expect(res.body).to.include({ status: 'deleting', desired: 'deleted' });
    const jobs = await h.ingress.deps.queues.queue(created.body.shard).getJobs(['waiting']);
    expect(jobs.map((job) => job.name).sort()).to.deep.equal(['session.logout', 'session.start']);
    expect((await h.call('DELETE', '/api/sessions/never')).status).to.equal(404);
    const recreate = await h.call('POST', '/api/sessions/create', { session_id: 'gone', workspace_id: 3, account_id: '1' });
    expect(recreate.status).to.equal(409);
  });
});

describe('ingress: capacity (503 instead of queueing forever)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
  });
  afterEach(async () => h.close());

  it('answers 503 NO_WORKERS when no worker is alive', async () => {
    const res = await h.call('POST', '/api/sessions/create', { session_id: 'a', workspace_id: 1, account_id: '1' });
    expect(res.status).to.equal(503);
    expect(res.body.error.code).to.equal('NO_WORKERS');
  });

  it('answers 503 FLEET_AT_CAPACITY when every worker is full', async () => {
    await h.addWorker('instance-1', 2);
    for (const id of ['a', 'b']) {
      expect((await h.call('POST', '/api/sessions/create', { session_id: id, workspace_id: 1, account_id: '1' })).status).to.equal(202);
    }
    const full = await h.call('POST', '/api/sessions/create', { session_id: 'c', workspace_id: 1, account_id: '1' });
    expect(full.status).to.equal(503);
    expect(full.body.error.code).to.equal('FLEET_AT_CAPACITY');
    expect((await h.call('POST', '/api/sessions/create', { session_id: 'a', workspace_id: 1, account_id: '1' })).status).to.equal(200);
  });

  it('answers 503 INSTANCE_AT_CAPACITY when the owner is full but others are not', async () => {
    await h.addWorker('instance-1', 1);
    await h.addWorker('instance-2', 100);
    const workspaceOf = (owner: string): number => {
      for (let ws = 1; ws < 1000; ws += 1) if (h.ingress.deps.cluster.route(ws).owner === owner) return ws;
      throw new Error(`no workspace routes to ${owner}`);
    };
    const full = workspaceOf('instance-1');
    expect((await h.call('POST', '/api/sessions/create', { session_id: 'a', workspace_id: full, account_id: '1' })).status).to.equal(202);
    const res = await h.call('POST', '/api/sessions/create', { session_id: 'b', workspace_id: full, account_id: '1' });
    expect(res.status).to.equal(503);
    expect(res.body.error.code).to.equal('INSTANCE_AT_CAPACITY');
    const elsewhere = await h.call('POST', '/api/sessions/create', { session_id: 'c', workspace_id: workspaceOf('instance-2'), account_id: '1' });
    expect(elsewhere.status).to.equal(202);
  });
});
