import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import { startIngress, type IngressHarness } from './helpers';

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_VERSION = (JSON.parse(readFileSync(path.join(SWAGGER_DIR, 'package.json'), 'utf8')) as { version: string }).version;
const BASE = 'http://fleet.test';

describe('ingress: Swagger UI at /docs from the OpenAPI document, served from node_modules (in-process)', () => {
  let h: IngressHarness;
  before(async () => {
    h = await startIngress();
  });
  after(async () => h.close());

  /** A public request (no API key), with the answer's bytes. */
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await h.ingress.app.request(new URL(url, BASE).href, { headers });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  };
  /** The URLs a page refers to (src, href, data-openapi-url), resolved as a browser would. */
  const references = (html: string, pageUrl: string): Map<string, string> =>
    new Map([...html.matchAll(/\b(src|href|data-openapi-url)="([^"]+)"/g)].map((match) => [match[2]!, new URL(match[2]!, new URL(pageUrl, BASE)).pathname]));

  it('answers /docs without an API key: the page, HTML, revalidated, with a CSP keeping it on this origin', async () => {
    const { response, bytes } = await get('/docs');
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).to.equal('no-cache');
    expect(response.headers.get('content-security-policy')).to.contain("default-src 'self'").and.contain("script-src 'self'").and.contain("connect-src 'self'");
    const html = bytes.toString('utf8');
    expect(html).to.contain('<div id="swagger-ui" data-openapi-url="openapi.json">');
    expect(html).to.not.match(/(src|href)="(https?:)?\/\//);
    expect(html).to.not.contain('{{');
  });

  it('refers to the OpenAPI document the ingress serves, and it loads', async () => {
    const html = (await get('/docs')).bytes.toString('utf8');
    const refs = references(html, '/docs');
    expect(refs.get('openapi.json')).to.equal('/openapi.json');
    const { response, bytes } = await get('/openapi.json');
    expect(response.status).to.equal(200);
    const document = JSON.parse(bytes.toString('utf8')) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).to.equal('3.1.0');
    expect(document.paths).to.have.property('/api/workspaces/{id}/webhook');
  });

  it('serves every asset the page loads with its type, the bytes of swagger-ui-dist, cached for good under the version', async () => {
    const html = (await get('/docs')).bytes.toString('utf8');
    const refs = [...references(html, '/docs').values()].filter((pathname) => pathname !== '/openapi.json');
    expect(refs).to.have.members([
      `/docs/assets/${SWAGGER_VERSION}/favicon-32x32.png`,
      `/docs/assets/${SWAGGER_VERSION}/swagger-ui.css`,
      `/docs/assets/${SWAGGER_VERSION}/swagger-ui-bundle.js`,
      '/docs/init.js',
    ]);
    const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png' };
    for (const pathname of refs) {
      const { response, bytes } = await get(pathname);
      expect(response.status, pathname).to.equal(200);
      expect(response.headers.get('content-type'), pathname).to.equal(types[path.extname(pathname)]);
      expect(response.headers.get('x-content-type-options'), pathname).to.equal('nosniff');
      if (pathname.startsWith('/docs/assets/')) {
        expect(response.headers.get('cache-control'), pathname).to.equal('public, max-age=31536000, immutable');
        expect(bytes.equals(readFileSync(path.join(SWAGGER_DIR, path.basename(pathname)))), pathname).to.equal(true);
      } else {
        expect(response.headers.get('cache-control'), pathname).to.equal('no-cache');
      }
    }
    const init = (await get('/docs/init.js')).bytes.toString('utf8');
    expect(init).to.contain("getAttribute('data-openapi-url')").and.contain('validatorUrl: null').and.contain('SwaggerUIBundle(');
  });

  it('gzips text assets for clients that take it, and says so', async () => {
    const pathname = `/docs/assets/${SWAGGER_VERSION}/swagger-ui-bundle.js`;
    const { response, bytes } = await get(pathname, { 'accept-encoding': 'gzip, br' });
    expect(response.headers.get('content-encoding')).to.equal('gzip');
    expect(response.headers.get('vary')).to.equal('Accept-Encoding');
    expect(Number(response.headers.get('content-length'))).to.equal(bytes.length);
    const original = readFileSync(path.join(SWAGGER_DIR, 'swagger-ui-bundle.js'));
    expect(bytes.length).to.be.lessThan(original.length / 2);
    expect(gunzipSync(bytes).equals(original)).to.equal(true);
  });

  it('serves nothing else from node_modules: other names, other versions and traversal are 404; /docs/ redirects to /docs', async () => {
    for (const pathname of [
      `/docs/assets/${SWAGGER_VERSION}/package.json`,
      `/docs/assets/${SWAGGER_VERSION}/index.html`,
      `/docs/assets/${SWAGGER_VERSION}/swagger-ui-bundle.js.map`,
      '/docs/assets/0.0.1/swagger-ui.css',
      `/docs/assets/${SWAGGER_VERSION}/..%2f..%2fpackage.json`,
      `/docs/assets/${SWAGGER_VERSION}/%2e%2e%2fpackage.json`,
      '/docs/index.html',
    ]) {
      const { response } = await get(pathname);
      expect(response.status, pathname).to.equal(404);
    }
    const { response } = await get('/docs/');
    expect(response.status).to.equal(301);
    expect(new URL(response.headers.get('location')!, `${BASE}/docs/`).pathname).to.equal('/docs');
  });
});
