/**
 * Admin HTTP routes (JSON). One error boundary maps SimulatorError to its status and code; anything else
 * is a 500 without internals.
 */
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BadRequestError, SimulatorError } from '../errors';
import type { SimLogger } from '../util/logger';
import type { AdminApi } from './admin-api';
import type { ErrorBody } from './types';

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
}

/** A query parameter as a number for the validators: absent → undefined, anything else → Number (NaN fails them). */
function queryNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value.trim() === '' ? Number.NaN : Number(value);
}

export function createAdminApp(api: AdminApi, logger: SimLogger): Hono {
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof SimulatorError) {
      const body: ErrorBody = { error: { code: error.code, message: error.message, context: { ...error.context } } };
      return c.json(body, error.status as ContentfulStatusCode);
    }
    logger.error('admin request failed', { path: c.req.path, error: String(error) });
    const body: ErrorBody = { error: { code: 'INTERNAL', message: 'internal error' } };
    return c.json(body, 500);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: 'no such route' } } satisfies ErrorBody, 404));

  app.get('/health', (c) => c.json(api.health()));
  app.get('/admin/stats', (c) => c.json(api.stats()));
  app.get('/admin/qrs', (c) => c.json({ qrs: api.pendingQrs() }));
  app.post('/admin/scan', async (c) => {
    const body = (await readJson(c)) as Record<string, unknown>;
    return c.json(await api.scan(body?.qr, body?.phone));
  });
  app.post('/admin/link-code', async (c) => {
    const body = (await readJson(c)) as Record<string, unknown>;
    return c.json(await api.enterLinkCode(body?.phone, body?.code));
  });
  app.get('/admin/link-codes', (c) => c.json({ linkCodes: api.pendingLinkCodes() }));
  app.post('/admin/users', async (c) => c.json(api.addUsers(await readJson(c))));
  app.get('/admin/accounts', (c) => c.json({ accounts: api.accounts() }));
  app.get('/admin/accounts/:phone', (c) => c.json(api.account(c.req.param('phone'))));
  app.post('/admin/accounts/:phone/incoming', async (c) => c.json(await api.incoming(c.req.param('phone'), await readJson(c))));
  app.get('/admin/accounts/:phone/sent', (c) => {
    const since = Number(c.req.query('since') ?? 0);
    if (!Number.isFinite(since) || since < 0) throw new BadRequestError('since must be a non-negative number (ms)');
    return c.json({ messages: api.sent(c.req.param('phone'), since) });
  });
  app.get('/admin/accounts/:phone/sent-feed', (c) => {
    const after = queryNumber(c.req.query('after'));
    const limit = queryNumber(c.req.query('limit'));
    return c.json(api.sentFeed(c.req.param('phone'), { ...(after === undefined ? {} : { after }), ...(limit === undefined ? {} : { limit }) }));
  });
  app.get('/admin/accounts/:phone/sent/:id/media', (c) => {
    const { stream, mimetype, size, sha256 } = api.sentMediaStream(c.req.param('phone'), c.req.param('id'));
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      headers: { 'content-type': mimetype ?? 'application/octet-stream', 'content-length': String(size), 'x-media-sha256': sha256 },
    });
  });
  app.get('/admin/sent-totals', (c) => c.json(api.sentTotals()));
  app.post('/admin/groups', async (c) => c.json(api.createGroup(await readJson(c))));
  app.get('/admin/groups', (c) => c.json({ groups: api.groups() }));
  app.get('/admin/groups/:id', (c) => c.json(api.group(c.req.param('id'))));
  app.post('/admin/accounts/:phone/receipts', async (c) => c.json(api.receipts(c.req.param('phone'), await readJson(c))));
  app.post('/admin/accounts/:phone/faults', async (c) => c.json(api.faults(c.req.param('phone'), await readJson(c))));
  app.delete('/admin/accounts/:phone/faults', (c) => c.json({ faults: api.clearFaults(c.req.param('phone')) }));
  app.post('/admin/accounts/:phone/settings', async (c) => c.json(api.settings(c.req.param('phone'), await readJson(c))));
  return app;
}
