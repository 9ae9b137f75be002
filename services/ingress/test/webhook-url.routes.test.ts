import { expect } from 'chai';
import { startIngress, type IngressHarness } from './helpers';

const SECRET = 'whsec_0123456789abcdef';

describe('ingress: a webhook URL must reach a public address unless WEBHOOK_ALLOW names it (in-process, real Redis)', () => {
  let h: IngressHarness;
  afterEach(async () => h.close());

  const put = (url: string, workspace = 5) => h.call('PUT', `/api/workspaces/${workspace}/webhook`, { url, secret: SECRET });

  it('refuses loopback, private, CGNAT, ULA, link-local, metadata, unspecified and multicast literals (any spelling) with 400 WEBHOOK_URL_REFUSED, storing nothing', async () => {
    h = await startIngress();
    const refused: Array<[string, string]> = [
      ['http://127.0.0.1:8080/hook', 'a loopback address'],
      ['http://2130706433/hook', 'a loopback address'], // 127.0.0.1 as one number: URL parsing normalises it
      ['http://0x7f.1/hook', 'a loopback address'],
      ['https://[::1]/hook', 'a loopback address'],
      ['https://[::ffff:7f00:1]/hook', 'a loopback address'],
      ['https://10.0.0.5/hook', 'a private address'],
      ['https://172.16.3.4/hook', 'a private address'],
      ['https://192.168.1.1/hook', 'a private address'],
      ['https://100.64.1.1/hook', 'a private address'],
      ['https://[fd12:3456::1]/hook', 'a private address'],
      ['https://169.254.10.10/hook', 'a link-local address'],
      ['http://169.254.169.254/latest/meta-data/', 'a metadata address'],
      ['http://metadata.google.internal/computeMetadata/v1/', 'a cloud metadata host'],
      ['http://0.0.0.0:3000/', 'an unspecified address'],
      ['http://224.0.0.1/', 'a multicast address'],
    ];
    for (const [url, reason] of refused) {
      const answer = await put(url);
      expect(answer.status, url).to.equal(400);
      expect(answer.body.error.code, url).to.equal('WEBHOOK_URL_REFUSED');
      expect(answer.body.error.details.reason, url).to.equal(reason);
      expect(answer.body.error.message, url).to.contain('WEBHOOK_ALLOW');
    }
    expect((await h.call('GET', '/api/workspaces/5/webhook')).status).to.equal(404);
  });

  it('refuses a host name that resolves to a loopback address (localhost), and accepts public and not-yet-resolvable names', async () => {
    h = await startIngress();
    for (const url of ['http://localhost:9000/hook', 'http://LOCALHOST.:9000/hook']) {
      const answer = await put(url);
      expect(answer.body.error?.code, url).to.equal('WEBHOOK_URL_REFUSED');
      expect(answer.body.error.details).to.deep.equal({ host: 'localhost', reason: 'it resolves to a loopback address' });
    }
    // 93.184.216.34 is public; a name this machine cannot resolve is judged by the dispatcher at delivery.
    expect((await put('https://93.184.216.34/hook')).status).to.equal(200);
    expect((await put('https://hooks.invalid/fleet', 6)).status).to.equal(200);
  });

  it('accepts what WEBHOOK_ALLOW names: a CIDR, an address or a host name', async () => {
    h = await startIngress({ webhookAllow: ['127.0.0.0/8', 'localhost', 'fd00::/8'] });
    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost:9000/hook', 'https://[fd12::1]/hook']) {
      const answer = await put(url);
      expect(answer.status, url).to.equal(200);
      expect(answer.body.url).to.equal(url);
    }
    expect((await put('https://10.0.0.5/hook')).body.error.code).to.equal('WEBHOOK_URL_REFUSED');
  });
});
