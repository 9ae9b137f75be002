import { expect } from 'chai';
import { readIngressConfig } from '../src';
import { startIngress, type IngressHarness } from './helpers';

/**
 * A session's proxy is where its worker opens TCP connections: a workspace key must not be able to
 * point it at the fleet's own network. Non-public proxies are refused unless PROXY_ALLOW names them.
 */
describe('ingress: a session proxy must be a public host unless PROXY_ALLOW names it (in-process, real Redis)', () => {
  let h: IngressHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const create = (id: string, proxyUrl?: string) =>
    h!.call('POST', '/api/sessions/create', { session_id: id, workspace_id: 4, account_id: '1', ...(proxyUrl ? { proxy_url: proxyUrl } : {}) });
  const put = (id: string, proxyUrl: string | null) => h!.call('PUT', `/api/sessions/${id}/proxy`, { proxy_url: proxyUrl });
  const stored = async (id: string) => h!.redis.hgetall(`${h!.prefix}:session:${id}`);

  it('refuses private, loopback, link-local and metadata literals, in every scheme, with 400 PROXY_URL_REFUSED: nothing stored, never quoting the credentials', async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
    expect((await create('p1')).status).to.equal(202);
    const refused: Array<[string, string, string]> = [
      ['http://bob:topsecret@10.0.0.9:3128', '10.0.0.9', 'a private address'],
      ['https://bob:topsecret@192.168.1.20:3129', '192.168.1.20', 'a private address'],
      ['socks5://bob:topsecret@127.0.0.1:1080', '127.0.0.1', 'a loopback address'],
      ['socks5h://bob:topsecret@[::1]:1080', '::1', 'a loopback address'],
      ['http://bob:topsecret@2130706433:3128', '127.0.0.1', 'a loopback address'], // 127.0.0.1 as one number
      ['socks5://bob:topsecret@[fd12::7]:1080', 'fd12::7', 'a private address'],
      ['http://bob:topsecret@169.254.10.10:80', '169.254.10.10', 'a link-local address'],
      ['http://bob:topsecret@169.254.169.254:80', '169.254.169.254', 'a metadata address'],
      ['http://bob:topsecret@metadata.google.internal:80', 'metadata.google.internal', 'a cloud metadata host'],
    ];
    for (const [url, host, reason] of refused) {
      const answer = await put('p1', url);
      expect(answer.status, url).to.equal(400);
      expect(answer.body.error.code, url).to.equal('PROXY_URL_REFUSED');
      expect(answer.body.error.details, url).to.deep.equal({ host, reason });
      expect(answer.body.error.message, url).to.contain('PROXY_ALLOW');
      expect(JSON.stringify(answer.body), url).to.not.contain('topsecret');
    }
    expect(await stored('p1')).to.not.have.property('proxy_sealed');
    expect((await h.call('GET', '/api/sessions/p1/status')).body.proxy).to.deep.equal({ configured: false, scheme: null, host: null });

    // On create: refused before anything is stored or queued.
    const onCreate = await create('p2', 'socks5://bob:topsecret@10.1.2.3:1080');
    expect(onCreate.status).to.equal(400);
    expect(onCreate.body.error.code).to.equal('PROXY_URL_REFUSED');
    expect(JSON.stringify(onCreate.body)).to.not.contain('topsecret');
    expect(await h.redis.exists(`${h.prefix}:session:p2`)).to.equal(0);
    expect((await h.call('GET', '/api/sessions/p2/status')).status).to.equal(404);
  });

  it('refuses a host name that resolves to a loopback address (localhost); accepts public and not-yet-resolvable names, and null', async () => {
    h = await startIngress();
    await h.addWorker('instance-1');
    for (const url of ['http://u:pw@localhost:3128', 'socks5://u:pw@LOCALHOST.:1080']) {
      const answer = await create('n1', url);
      expect(answer.status, url).to.equal(400);
      expect(answer.body.error.details, url).to.deep.equal({ host: 'localhost', reason: 'it resolves to a loopback address' });
    }
    expect((await create('n1', 'http://u:pw@93.184.216.34:3128')).status).to.equal(202);
    expect((await put('n1', 'socks5://u:pw@proxy.invalid:1080')).status, 'the worker judges it at each connection').to.equal(200);
    expect((await put('n1', 'http://u:pw@localhost:3128')).body.error.code).to.equal('PROXY_URL_REFUSED');
    expect((await stored('n1')).proxy_host, 'the refused PUT changed nothing').to.equal('proxy.invalid:1080');
    expect((await put('n1', null)).status).to.equal(200);
  });

  it('accepts what PROXY_ALLOW names: a CIDR, an address or a host name (WEBHOOK_ALLOW does not count)', async () => {
    h = await startIngress({ proxyAllow: ['10.0.0.0/8', '127.0.0.1', 'localhost'], webhookAllow: ['192.168.0.0/16'] });
    await h.addWorker('instance-1');
    expect((await create('a1', 'http://u:pw@10.20.30.40:3128')).status).to.equal(202);
    for (const url of ['socks5://u:pw@127.0.0.1:1080', 'http://u:pw@localhost:3128', 'https://u:pw@10.0.0.9:3129']) {
      const answer = await put('a1', url);
      expect(answer.status, url).to.equal(200);
      expect(answer.body.proxy.configured).to.equal(true);
    }
    for (const url of ['http://u:pw@192.168.1.1:3128', 'http://u:pw@127.0.0.2:3128', 'http://u:pw@169.254.169.254:80']) {
      expect((await put('a1', url)).body.error.code, url).to.equal('PROXY_URL_REFUSED');
    }
  });

  it('reads PROXY_ALLOW, naming every bad entry', () => {
    const base = { API_KEYS: 'k'.repeat(16) };
    expect(readIngressConfig({ ...base, PROXY_ALLOW: '10.0.0.0/8, proxies.internal ,::1' }).proxyAllow).to.deep.equal([
      '10.0.0.0/8',
      'proxies.internal',
      '::1',
    ]);
    expect(readIngressConfig(base).proxyAllow).to.deep.equal([]);
    expect(() => readIngressConfig({ ...base, PROXY_ALLOW: '10.0.0.0/33,http://x' })).to.throw(/PROXY_ALLOW: "10\.0\.0\.0\/33".*\n.*PROXY_ALLOW: "http:\/\/x"/);
  });
});
