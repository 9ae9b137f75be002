import { expect } from 'chai';
import { MediaError, SafeFetcher, type ResolveAll, type SafeFetcherOptions } from '../src';
import { readAll } from './helpers';
import { OK_BODY, startOrigin, startSilentServer, throwawayCertificate, type TestOrigin } from './fetch-servers';

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MediaError) return error;
    throw error;
  }
  throw new Error('expected a MediaError');
}

const LIMITS = { maxBytes: 1024 * 1024 };
/** Names the tests resolve themselves; anything else fails as DNS would. */
function resolver(names: Record<string, string[]>, calls: string[] = []): ResolveAll {
  return async (host) => {
    calls.push(host);
    const addresses = names[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

describe('media: SafeFetcher (SSRF-safe fetches) against local servers', function () {
  this.timeout(20_000);
  let origin: TestOrigin;
  let second: TestOrigin;
  const http = (options: SafeFetcherOptions = {}): SafeFetcher => new SafeFetcher({ protocols: ['http:', 'https:'], ...options });

  before(async () => {
    second = await startOrigin({ host: '127.0.0.2' });
    origin = await startOrigin({
      redirects: {
        '/to-ok': '/ok',
        '/to-private': 'http://10.1.2.3/ok',
        '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
        '/to-other-loopback': `${second.url}/ok`,
        '/loop': '/loop',
        '/to-http': 'http://127.0.0.1/ok',
      },
    });
  });
  after(async () => {
    await origin.close();
    await second.close();
  });

  it('fetches only https by default', async () => {
    const error = await failure(new SafeFetcher({ allow: ['127.0.0.1'] }).open(`${origin.url}/ok`, LIMITS));
    expect(error.code).to.equal('MEDIA_URL_REFUSED');
    expect(error.message).to.contain('http: is not allowed');
    expect(origin.seen).to.not.include('GET /ok');
  });

  it('refuses a loopback address unless the allow-list names it', async () => {
    const refused = await failure(http().open(`${origin.url}/ok`, LIMITS));
    expect(refused.code).to.equal('MEDIA_URL_REFUSED');
    expect(refused.message).to.contain('loopback');
    const body = await http({ allow: ['127.0.0.0/8'] }).open(`${origin.url}/ok`, LIMITS);
    expect(body).to.include({ status: 200, contentType: 'image/png', contentLength: OK_BODY.length });
    expect((await readAll(body.stream)).equals(OK_BODY)).to.equal(true);
  });

  it('refuses a name that resolves to 127.0.0.1 (localhost), and any name with one private address', async () => {
    expect((await failure(http().open(`http://localhost:${origin.port}/ok`, LIMITS))).code).to.equal('MEDIA_URL_REFUSED');
    const resolve = resolver({
      'mixed.test': ['93.184.216.34', '192.168.1.10'],
      'cgnat.test': ['100.64.0.1'],
      'ula.test': ['fd12::1'],
      'mapped.test': ['::ffff:127.0.0.1'],
    });
    for (const host of ['mixed.test', 'cgnat.test', 'ula.test', 'mapped.test']) {
      const error = await failure(http({ resolve }).open(`http://${host}:${origin.port}/ok`, LIMITS));
      expect(error.code, host).to.equal('MEDIA_URL_REFUSED');
    }
  });

  it('refuses cloud metadata names and addresses before connecting', async () => {
    const calls: string[] = [];
    const resolve = resolver({}, calls);
    for (const url of [
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      const error = await failure(http({ resolve }).open(url, LIMITS));
      expect(error.code, url).to.equal('MEDIA_URL_REFUSED');
      expect(error.message, url).to.match(/metadata/);
    }
    expect(calls).to.deep.equal([]);
  });

  it('connects to the address it checked: the name is resolved once per hop, by the guard', async () => {
    const calls: string[] = [];
    const fetcher = http({ resolve: resolver({ 'media.test': ['127.0.0.1'] }, calls), allow: ['media.test'] });
    const body = await fetcher.open(`http://media.test:${origin.port}/ok`, LIMITS);
    expect((await readAll(body.stream)).length).to.equal(OK_BODY.length);
    expect(calls).to.deep.equal(['media.test']);
  });

  it('follows redirects, checking each hop: to a private, metadata or other loopback host refused, loops cut off', async () => {
    const fetcher = http({ allow: ['127.0.0.1/32'] });
    const followed = await fetcher.open(`${origin.url}/to-ok`, LIMITS);
    expect((await readAll(followed.stream)).equals(OK_BODY)).to.equal(true);
    for (const [path, reason] of [
      ['/to-private', 'private'],
      ['/to-metadata', 'metadata'],
      ['/to-other-loopback', 'loopback'],
      ['/loop', 'more than 3 redirects'],
    ]) {
      const error = await failure(fetcher.open(`${origin.url}${path}`, LIMITS));
      expect(error.code, path).to.equal('MEDIA_URL_REFUSED');
      expect(error.message, path).to.contain(reason);
    }
    expect(second.seen).to.deep.equal([]);
    const httpsOnly = await failure(new SafeFetcher({ allow: ['127.0.0.1/32'] }).open(`${origin.url}/to-http`, LIMITS));
    expect(httpsOnly.code).to.equal('MEDIA_URL_REFUSED');
  });

  it('answers MEDIA_URL_UNREACHABLE with the status for a 404, and for DNS and connection failures', async () => {
    const fetcher = http({ allow: ['127.0.0.1'], resolve: resolver({}) });
    const missing = await failure(fetcher.open(`${origin.url}/nope`, LIMITS));
    expect(missing.code).to.equal('MEDIA_URL_UNREACHABLE');
    expect(missing.details.http_status).to.equal(404);
    const dns = await failure(fetcher.open('https://no-such-host.test/x', LIMITS));
    expect(dns.code).to.equal('MEDIA_URL_UNREACHABLE');
    expect(dns.message).to.contain('DNS');
    const closed = await startSilentServer();
    await closed.close();
    const refused = await failure(fetcher.open(`http://127.0.0.1:${closed.port}/`, LIMITS));
    expect(refused.code).to.equal('MEDIA_URL_UNREACHABLE');
    expect(refused.message).to.contain('ECONNREFUSED');
  });

  it('gives up on a server that never answers (MEDIA_URL_UNREACHABLE, within the time limit)', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const error = await failure(http({ allow: ['127.0.0.1'], headersTimeoutMs: 300, timeoutMs: 5_000 }).open(`http://127.0.0.1:${silent.port}/`, LIMITS));
      expect(error.code).to.equal('MEDIA_URL_UNREACHABLE');
      expect(error.message).to.contain('no answer within 300 ms');
      expect(Date.now() - started).to.be.within(250, 2_000);
    } finally {
      await silent.close();
    }
  });

  it('cuts off a body past the time limit', async () => {
    const body = await http({ allow: ['127.0.0.1'], timeoutMs: 400 }).open(`${origin.url}/trickle`, LIMITS);
    const error = await failure(readAll(body.stream));
    expect(error.code).to.equal('MEDIA_URL_UNREACHABLE');
    expect(error.message).to.contain('did not arrive within 400 ms');
  });

  it('aborts a body past maxBytes while it streams (no Content-Length), and refuses a declared one at once', async () => {
    const fetcher = http({ allow: ['127.0.0.1'] });
    const body = await fetcher.open(`${origin.url}/chunked-forever`, { maxBytes: 300 * 1024 });
    expect(body.contentLength).to.equal(undefined);
    let received = 0;
    body.stream.on('data', (chunk: Buffer) => (received += chunk.length));
    const error = await failure(new Promise((resolve, reject) => body.stream.on('error', reject).on('end', resolve)));
    expect(error.code).to.equal('MEDIA_TOO_LARGE');
    expect(received).to.be.at.most(300 * 1024);
    const declared = await failure(fetcher.open(`${origin.url}/declared-huge`, { maxBytes: 1024 * 1024 }));
    expect(declared.code).to.equal('MEDIA_TOO_LARGE');
    expect(declared.details.limit_bytes).to.equal(1024 * 1024);
  });

  it('preflights with HEAD, or a GET of the first byte when HEAD is refused; checks type and size', async () => {
    const fetcher = http({ allow: ['127.0.0.1'] });
    expect(await fetcher.preflight(`${origin.url}/ok`, LIMITS)).to.deep.equal({ status: 200, contentType: 'image/png', contentLength: OK_BODY.length });
    expect(await fetcher.preflight(`${origin.url}/no-head`, LIMITS)).to.deep.equal({ status: 206, contentType: 'video/mp4', contentLength: 5000 });
    expect(origin.seen.filter((line) => line.endsWith('/no-head'))).to.deep.equal(['HEAD /no-head', 'GET /no-head']);
    expect((await failure(fetcher.preflight(`${origin.url}/no-head`, { maxBytes: 4999 }))).code).to.equal('MEDIA_TOO_LARGE');
    expect((await failure(fetcher.preflight(`${origin.url}/ok`, { maxBytes: 10_000, allowedTypes: ['image/jpeg'] }))).code).to.equal('MEDIA_TYPE_NOT_ALLOWED');
    const missing = await failure(fetcher.preflight(`${origin.url}/nope`, LIMITS));
    expect(missing.details.http_status).to.equal(404);
  });

  describe('over https with a test CA', () => {
    let tlsOrigin: TestOrigin;
    let cert: { key: string; cert: string };
    before(async () => {
      cert = throwawayCertificate();
      tlsOrigin = await startOrigin({ tls: cert });
    });
    after(async () => tlsOrigin.close());

    it('trusts the extra CA, checks the name it connects to, and fails TLS without it', async () => {
      const resolve = resolver({ 'media.test': ['127.0.0.1'] });
      const trusted = new SafeFetcher({ ca: cert.cert, allow: ['127.0.0.1'], resolve });
      const body = await trusted.open(`https://media.test:${tlsOrigin.port}/ok`, LIMITS);
      expect((await readAll(body.stream)).equals(OK_BODY)).to.equal(true);
      expect((await trusted.preflight(`https://127.0.0.1:${tlsOrigin.port}/ok`, LIMITS)).status).to.equal(200);
      const untrusted = await failure(new SafeFetcher({ allow: ['127.0.0.1'], resolve }).open(`https://media.test:${tlsOrigin.port}/ok`, LIMITS));
      expect(untrusted.code).to.equal('MEDIA_URL_UNREACHABLE');
      expect(untrusted.message).to.contain('TLS');
    });
  });
});
