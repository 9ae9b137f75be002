import { expect } from 'chai';
import { RestoreLockStore } from '@fleet/state';
import { startIngress, type IngressHarness } from './helpers';

describe('ingress: sessions under restore answer 409 SESSION_RESTORING (in-process, real Redis)', () => {
  let h: IngressHarness;
  let locks: RestoreLockStore;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
    locks = new RestoreLockStore(h.redis, h.ingress.deps.keys);
  });
  afterEach(async () => h.close());

  const body = (id: string) => ({ session_id: id, workspace_id: 4, account_id: '1' });

  it('refuses create, start, stop and delete while a restore holds the session, and changes nothing', async () => {
    await h.call('POST', '/api/sessions/create', body('r1'));
    await h.call('POST', '/api/sessions/r1/stop');
    await locks.lock(['r1', 'r2'], 'restore-test', 30_000);
    const before = await h.ingress.deps.sessions.get('r1');

    for (const [method, path, payload] of [
      ['POST', '/api/sessions/r1/start', undefined],
      ['POST', '/api/sessions/r1/stop', undefined],
      ['DELETE', '/api/sessions/r1', undefined],
      ['POST', '/api/sessions/create', body('r1')],
      ['POST', '/api/sessions/create', body('r2')],
    ] as const) {
      const answer = await h.call(method, path, payload);
      expect(answer.status, `${method} ${path}`).to.equal(409);
      expect(answer.body.error.code, `${method} ${path}`).to.equal('SESSION_RESTORING');
      expect(answer.body.error.message).to.match(/restore/);
    }
    expect(await h.ingress.deps.sessions.get('r1')).to.deep.equal(before);
    expect(await h.ingress.deps.sessions.get('r2'), 'a session in the snapshot is not created while it is restored').to.equal(undefined);
    expect((await h.call('GET', '/api/sessions/r1/status')).status, 'reads still work').to.equal(200);

    await locks.unlock(['r1', 'r2'], 'restore-test');
    expect((await h.call('POST', '/api/sessions/r1/start')).status).to.equal(202);
    expect((await h.call('POST', '/api/sessions/create', body('r2'))).status).to.equal(202);
  });
});
