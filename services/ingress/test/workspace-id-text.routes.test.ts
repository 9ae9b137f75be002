import { expect } from 'chai';
import { startIngress, type IngressHarness } from './helpers';

/** Workspace ids in paths and queries are text: only the decimal form names a workspace. */
describe('ingress: workspace ids written in a path or query', () => {
  let h: IngressHarness;
  beforeEach(async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
  });
  afterEach(async () => h.close());

  const routes = (id: string): Array<[string, string]> => [
    ['GET', `/api/workspaces/${id}/webhook`],
    ['GET', `/api/workspaces/${id}/dead-letters`],
    ['GET', `/api/events?workspace_id=${id}`],
    ['DELETE', `/api/admin/workspaces/${id}/pin`],
  ];

  for (const bad of ['0x10', '1e3', '0b11', '0o7', '16.0', '+16', '016', '%2016', '16%20', '1_000', '2147483648']) {
    it(`refuses ${JSON.stringify(bad)} with 400 INVALID_ID naming the parameter`, async () => {
      for (const [method, path] of routes(bad)) {
        const answer = await h.call(method, path);
        expect(answer.status, `${method} ${path}`).to.equal(400);
        expect(answer.body.error.code, `${method} ${path}`).to.equal('INVALID_ID');
        expect(answer.body.error.message, `${method} ${path}`).to.match(/^(id|workspace_id) is invalid/);
      }
    });
  }

  it('accepts the decimal form', async () => {
    const answers = await Promise.all(routes('16').map(([method, path]) => h.call(method, path)));
    expect(answers.map((answer) => answer.status)).to.deep.equal([404, 200, 200, 200]);
    expect(answers[0]!.body.error.code).to.equal('WEBHOOK_NOT_FOUND');
    expect((await h.call('GET', '/api/workspaces/2147483647/dead-letters')).status).to.equal(200);
  });
});
