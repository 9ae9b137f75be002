import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';

/** The OpenAPI document the ingress serves (public) and the Swagger UI that reads it (public too). */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/** This package's static files (the page and its start script): dist/src/routes → the package root. */
const STATIC_DIR = path.resolve(__dirname, '../../../static/docs');
/** swagger-ui-dist's directory: its files come from the npm package, never from a CDN. */
const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** The swagger-ui-dist version served: the segment of its assets' URLs (so they can be cached for good). */
export const SWAGGER_UI_VERSION = (JSON.parse(readFileSync(path.join(SWAGGER_DIR, 'package.json'), 'utf8')) as { version: string }).version;

/** The only files of swagger-ui-dist served, with their types; any other name is a 404. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** Versioned asset URLs never change; the page and its script follow the ingress's own version. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
/**
 * The page runs only this origin's scripts and talks only to this origin (the OpenAPI document,
 * "Try it out"). Swagger UI sets inline styles and uses data: images.
 */
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

interface StaticFile {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly type: string;
}

const gzipAsync = promisify(gzip);

/** Reads a file (filling `{{name}}` placeholders) and gzips it, off the event loop's hot path. */
async function load(file: string, type: string, fill: Record<string, string> = {}): Promise<StaticFile> {
  let body = await readFile(file);
  if (Object.keys(fill).length > 0) body = Buffer.from(body.toString('utf8').replace(/\{\{(\w+)\}\}/g, (_, name: string) => fill[name] ?? ''));
  const compressible = !type.startsWith('image/');
  return { body, gzip: compressible ? await gzipAsync(body, { level: 9 }) : undefined, type };
}

/** Each file read and gzipped once, on first use (a failed read is tried again next time). */
function memo(make: () => Promise<StaticFile>): () => Promise<StaticFile> {
  let file: Promise<StaticFile> | undefined;
  return () => {
    file ??= make().catch((error: unknown) => {
      file = undefined;
      throw error;
    });
    return file;
  };
}

function send(c: Context, file: StaticFile, cacheControl: string, extra: Record<string, string> = {}): Response {
  const gzip = file.gzip && /\bgzip\b/i.test(c.req.header('accept-encoding') ?? '');
  const body = gzip ? file.gzip! : file.body;
  const headers: Record<string, string> = {
    'Content-Type': file.type,
    'Content-Length': String(body.length),
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
    ...(file.gzip ? { Vary: 'Accept-Encoding' } : {}),
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    ...extra,
  };
  return c.body(new Uint8Array(body), 200, headers);
}

/**
 * Swagger UI at `/docs`, public (no API key, like `/openapi.json`; its "Authorize" button takes a key
 * for the calls it makes): the page, its start script, and swagger-ui-dist's bundle, stylesheet and
 * icons under `/docs/assets/<swagger-ui version>/`. URLs in the page are relative, so a proxy's path
 * prefix is kept.
 */
export function registerDocsRoutes(app: OpenAPIHono): void {
  // Relative to /docs: "openapi.json" is /openapi.json next to it.
  const page = memo(() =>
    load(path.join(STATIC_DIR, 'index.html'), 'text/html; charset=utf-8', { version: SWAGGER_UI_VERSION, openapi: OPENAPI_PATH.slice(1) }),
  );
  const script = memo(() => load(path.join(STATIC_DIR, 'init.js'), 'text/javascript; charset=utf-8'));
  const assets = new Map(Object.entries(ASSETS).map(([name, type]) => [name, memo(() => load(path.join(SWAGGER_DIR, name), type))]));

  // GET routes answer HEAD too (Hono).
  app.get(DOCS_PATH, async (c) => send(c, await page(), REVALIDATE, { 'Content-Security-Policy': PAGE_CSP, 'Referrer-Policy': 'no-referrer' }));
  app.get(`${DOCS_PATH}/`, (c) => c.redirect('../docs', 301));
  app.get(`${DOCS_PATH}/init.js`, async (c) => send(c, await script(), REVALIDATE));
  app.get(`${DOCS_PATH}/assets/:version/:name`, async (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset || c.req.param('version') !== SWAGGER_UI_VERSION)
      return c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` } }, 404);
    return send(c, await asset(), IMMUTABLE);
  });
}
