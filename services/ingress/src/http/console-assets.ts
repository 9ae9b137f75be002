import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';

/**
 * The console's static files (`services/console`, built by `make build` into its `dist/www`): read once
 * at start (a few files, well under a megabyte) and served from memory at `/console`.
 */
export interface ConsoleAssets {
  readonly index: Asset;
  /** Files under `assets/`, by name: content-hashed, so cached for good. */
  readonly files: ReadonlyMap<string, Asset>;
}

interface Asset {
  readonly body: Uint8Array;
  readonly type: string;
  readonly etag: string;
}

export const CONSOLE_BASE = '/console';

/**
 * Only what the console itself is: its own scripts, styles and icon, and requests to this origin's API.
 * No inline script or style, no framing, no form posts elsewhere, no other origin.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const asset = (file: string): Asset => {
  const body = readFileSync(file);
  return {
    body,
    type: TYPES[path.extname(file)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
};

/** Reads a built console from `dir`; undefined when there is none (not built). */
export function loadConsoleAssets(dir: string | undefined): ConsoleAssets | undefined {
  if (!dir || !existsSync(path.join(dir, 'index.html'))) return undefined;
  const files = new Map<string, Asset>();
  const assetsDir = path.join(dir, 'assets');
  if (existsSync(assetsDir)) {
    for (const entry of readdirSync(assetsDir, { withFileTypes: true })) {
      if (entry.isFile() && /^[A-Za-z0-9._-]+$/.test(entry.name)) files.set(entry.name, asset(path.join(assetsDir, entry.name)));
    }
  }
  return { index: asset(path.join(dir, 'index.html')), files };
}

/** The built console of the `@fleet/console` workspace package, when it is installed and built. */
export function defaultConsoleDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('@fleet/console/package.json')), 'dist', 'www');
  } catch {
    return undefined;
  }
}

function securityHeaders(c: Context): void {
  c.header('Content-Security-Policy', CONSOLE_CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Frame-Options', 'DENY');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
}

function send(c: Context, file: Asset, cacheControl: string): Response {
  securityHeaders(c);
  c.header('Cache-Control', cacheControl);
  c.header('ETag', file.etag);
  if ((c.req.header('if-none-match') ?? '').split(',').some((tag) => tag.trim() === file.etag)) return c.body(null, 304);
  c.header('Content-Type', file.type);
  return c.body(file.body as Uint8Array<ArrayBuffer>, 200);
}

/**
 * `/console` and everything under it: hashed assets (immutable, a year), `index.html` for every other
 * path (the console's own routes, such as `/console/sessions/abc`; revalidated each time). An unknown
 * asset is a 404, never the index (a stale page asking for an old bundle must not get HTML as script).
 */
export function registerConsoleRoutes(app: OpenAPIHono, assets: ConsoleAssets | undefined): void {
  const notBuilt = (c: Context): Response => {
    securityHeaders(c);
    return c.text('The console is not built on this ingress: run `make build` (it builds services/console).', 404);
  };
  app.get(CONSOLE_BASE, (c) => c.redirect(`${CONSOLE_BASE}/`, 308));
  app.get(`${CONSOLE_BASE}/assets/:name`, (c) => {
    if (!assets) return notBuilt(c);
    const file = assets.files.get(c.req.param('name'));
    if (!file) {
      securityHeaders(c);
      return c.text('no such console asset', 404);
    }
    return send(c, file, 'public, max-age=31536000, immutable');
  });
  app.get(`${CONSOLE_BASE}/*`, (c) => (assets ? send(c, assets.index, 'no-cache') : notBuilt(c)));
}
