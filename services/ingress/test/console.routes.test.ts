import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CONSOLE_CSP, defaultConsoleDir } from '../src/http/console-assets';
import { startIngress, type IngressHarness } from './helpers';

const INDEX = '<!doctype html><title>Fleet console</title><script type="module" src="/console/assets/app-ABC123.js"></script>';

describe('ingress: the web console at /console (in-process)', function () {
  this.timeout(30_000);
  let dir: string;
  let h: IngressHarness;

  before(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'fleet-console-'));
    await fs.mkdir(path.join(dir, 'assets'));
    await fs.writeFile(path.join(dir, 'index.html'), INDEX);
    await fs.writeFile(path.join(dir, 'assets', 'app-ABC123.js'), 'console.log("app")');
    await fs.writeFile(path.join(dir, 'assets', 'styles-DEF456.css'), 'body{}');
    await fs.writeFile(path.join(dir, 'assets', 'icon-0a1b2c3d.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    h = await startIngress({ consoleDir: dir });
  });
  after(async () => {
    await h?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) => h.ingress.app.request(url, { headers });

  it('serves index.html with no API key, a strict CSP and no-cache; /console redirects to /console/', async () => {
    const redirect = await get('/console');
    expect(redirect.status).to.equal(308);
    expect(redirect.headers.get('location')).to.equal('/console/');
    const index = await get('/console/');
    expect(index.status).to.equal(200);
    expect(index.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).to.equal('no-cache');
    expect(index.headers.get('content-security-policy')).to.equal(CONSOLE_CSP);
    expect(CONSOLE_CSP).to.include("script-src 'self'").and.include("default-src 'none'").and.include("frame-ancestors 'none'").and.not.include('unsafe');
    expect(index.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(index.headers.get('x-frame-options')).to.equal('DENY');
    expect(index.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(await index.text()).to.equal(INDEX);
  });

  it("answers index.html for the console's own routes (client-side routing), also deep ones", async () => {
    for (const route of ['/console/sessions', '/console/sessions/abc-1', '/console/messages/3EB0A1B2C3D4E5F6A7B8C9D0', '/console/fleet?x=1']) {
      const answer = await get(route);
      expect(answer.status, route).to.equal(200);
      expect(await answer.text(), route).to.equal(INDEX);
    }
  });

  it('serves hashed assets with their content types, cached for a year, and 304 on a matching ETag', async () => {
    const js = await get('/console/assets/app-ABC123.js');
    expect(js.status).to.equal(200);
    expect(js.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    expect(await js.text()).to.equal('console.log("app")');
    expect((await get('/console/assets/styles-DEF456.css')).headers.get('content-type')).to.equal('text/css; charset=utf-8');
    expect((await get('/console/assets/icon-0a1b2c3d.svg')).headers.get('content-type')).to.equal('image/svg+xml');
    const etag = js.headers.get('etag')!;
    expect(etag).to.match(/^"[A-Za-z0-9_-]+"$/);
    const again = await get('/console/assets/app-ABC123.js', { 'if-none-match': etag });
    expect(again.status).to.equal(304);
    expect(await again.text()).to.equal('');
  });

  it('an unknown asset is a 404, never index.html; paths cannot leave the directory', async () => {
    const missing = await get('/console/assets/app-OLD.js');
    expect(missing.status).to.equal(404);
    expect(missing.headers.get('content-type')).to.match(/^text\/plain/);
    for (const sneaky of ['/console/assets/..%2Findex.html', '/console/assets/%2e%2e%2f%2e%2e%2fpackage.json']) {
      const answer = await get(sneaky);
      expect(answer.status, sneaky).to.equal(404);
    }
  });

  it('an ingress without a built console says so at /console, and the API is unaffected', async () => {
    const bare = await startIngress();
    try {
      const answer = await bare.ingress.app.request('/console/');
      expect(answer.status).to.equal(404);
      expect(await answer.text()).to.match(/make build/);
      expect((await bare.call('GET', '/api/instances')).status).to.equal(200);
    } finally {
      await bare.close();
    }
  });

  it('the console built by make build (services/console) is complete: index.html names assets this ingress serves', async function () {
    const built = defaultConsoleDir();
    if (!built || !(await fs.stat(path.join(built, 'index.html')).catch(() => undefined))) this.skip();
    const real = await startIngress({ consoleDir: built });
    try {
      const html = await (await real.ingress.app.request('/console/')).text();
      const refs = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(refs.some((r) => r.endsWith('.js'))).to.equal(true);
      expect(refs.some((r) => r.endsWith('.css'))).to.equal(true);
      expect(html).to.not.match(/<script>|style=|https?:\/\//);
      for (const ref of refs) {
        const answer = await real.ingress.app.request(ref);
        expect(answer.status, ref).to.equal(200);
        expect(answer.headers.get('cache-control'), ref).to.include('immutable');
      }
    } finally {
      await real.close();
    }
  });
});
