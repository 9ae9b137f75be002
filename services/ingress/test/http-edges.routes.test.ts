import { expect } from 'chai';
import { startIngress, type IngressHarness } from './helpers';

describe('ingress: request bodies at the edges (in-process, real Redis)', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
  });
  afterEach(async () => h.close());

  const body = { session_id: 'ct1', workspace_id: 3, account_id: '1' };

  it('takes only application/json (with parameters) as JSON; other +json types answer 415', async () => {
    for (const type of ['application/json-patch+json', 'application/merge-patch+json', 'application/json5', 'application/jsonl', 'application/json-seq', 'application/vnd.api+json']) {
      const answer = await h.call('POST', '/api/sessions/create', body, { 'content-type': type });
      expect(answer.status, type).to.equal(415);
      expect(answer.body.error.code, type).to.equal('UNSUPPORTED_MEDIA_TYPE');
    }
    for (const type of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']) {
      const answer = await h.call('POST', '/api/sessions/create', body, { 'content-type': type });
      expect(answer.status, type).to.be.oneOf([200, 202]);
    }
  });
});
