import { expect } from 'chai';
import { startIngress, type IngressHarness } from './helpers';

describe('ingress: admin routes (the fleetctl operations over HTTP)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
    await h.addWorker('instance-2');
  });
  afterEach(async () => h.close());

  it('pins a workspace to another instance, which then routes its sessions, and unpins it', async () => {
    const created = await h.call('POST', '/api/sessions/create', { session_id: 'p1', workspace_id: 5, account_id: '1' });
    const other = created.body.instance === 'instance-1' ? 'instance-2' : 'instance-1';
    const res = await h.call('POST', '/api/admin/workspaces/5/migrate', { to: other });
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ workspace_id: 5, to: other, sessions: ['p1'] });
    expect((await h.call('GET', '/api/sessions/p1/status')).body.instance).to.equal(other);
    const unpinned = await h.call('DELETE', '/api/admin/workspaces/5/pin');
    expect(unpinned.body).to.deep.equal({ workspace_id: 5, unpinned: true });
    expect((await h.call('GET', '/api/sessions/p1/status')).body.instance).to.equal(created.body.instance);
  });

  it('refuses a migration to an unknown instance and a drain of one', async () => {
    const migrate = await h.call('POST', '/api/admin/workspaces/5/migrate', { to: 'instance-9' });
    expect(migrate.status).to.equal(404);
    expect(migrate.body.error.code).to.equal('INSTANCE_NOT_FOUND');
    const drain = await h.call('POST', '/api/admin/instances/instance-9/drain', {});
    expect(drain.status).to.equal(404);
    const bad = await h.call('POST', '/api/admin/workspaces/0/migrate', { to: 'instance-1' });
    expect(bad.status).to.equal(400);
  });

  it("takes an empty JSON array as a drain's empty body ([], PHP's json_encode of an empty array)", async () => {
    const drain = await h.call('POST', '/api/admin/instances/instance-2/drain', '[]');
    expect(drain.status, JSON.stringify(drain.body)).to.equal(202);
    expect(drain.body).to.deep.equal({ instance: 'instance-2', draining: true });
    expect((await h.call('POST', '/api/admin/instances/instance-2/drain', '[true]')).status).to.equal(400);
  });

  it('audits sessions and traffic per workspace, and plans a rebalance without applying it', async () => {
    for (let i = 0; i < 6; i += 1) await h.call('POST', '/api/sessions/create', { session_id: `a${i}`, workspace_id: 1 + (i % 3), account_id: '1' });
    await h.call('POST', '/api/messages/send', { session_id: 'a0', to: '+15551234567', text: 'x' });
    const audit = await h.call('GET', '/api/admin/audit');
    expect(audit.status).to.equal(200);
    expect(audit.body.workspaces.map((w: { workspace: number }) => w.workspace)).to.deep.equal([1, 2, 3]);
    expect(audit.body.workspaces[0]).to.include({ workspace: 1, sessions: 2, messages: 1, traffic: 'high', pinned: false });
    const plan = await h.call('GET', '/api/admin/rebalance');
    expect(plan.status).to.equal(200);
    expect(plan.body.applied).to.equal(false);
    expect(plan.body.before.per_instance).to.have.keys(['instance-1', 'instance-2']);
  });
});
