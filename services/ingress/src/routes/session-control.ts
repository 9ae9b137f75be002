import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import QRCode from 'qrcode';
import { ApiError } from '@fleet/errors';
import { jobId, sessionJob, type SessionRecord } from '@fleet/state';
import { canSee, principalOf } from '../auth/principal';
import type { IngressDeps } from '../deps';
import { SessionView } from '../schemas';
import { hasLiveQr, sessionView } from '../views';
import { wakeOwner } from '../worker-wake';
import { COMMON_ERRORS, CONFLICT, NOT_FOUND, json } from './responses';
import { assertNotLoggingOut, currentView, IdParam, requireLiveSession, requireSession } from './session-access';

export const QR_FORMATS = ['png', 'data_url', 'raw'] as const;
type QrFormat = (typeof QR_FORMATS)[number];

/** Longest a QR request may wait for the QR to appear (seconds). */
export const MAX_QR_WAIT_SECONDS = 30;

const QrQuery = z.object({
  format: z
    .enum(QR_FORMATS)
    .default('png')
    .openapi({ param: { name: 'format', in: 'query' }, description: 'png (image/png), data_url or raw (JSON). Default png.' }),
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_QR_WAIT_SECONDS)
    .default(0)
    .openapi({
      param: { name: 'wait', in: 'query' },
      description: `Seconds (0-${MAX_QR_WAIT_SECONDS}) to wait for a QR while the session is starting or between QRs: the answer comes as soon as one is pending, instead of polling. Default 0.`,
    }),
});

/** While a session is in these states a QR may still come; in any other, waiting is pointless. */
const QR_MAY_COME = new Set<SessionRecord['status']>(['starting', 'qr', 'disconnected']);

const QrView = z
  .object({
    session_id: z.string(),
    format: z.enum(['data_url', 'raw']),
    qr: z.string().openapi({ description: 'A data:image/png;base64 URL, or the raw string to render as a QR code' }),
    expires_at: z.number(),
  })
  .openapi('SessionQr');

const sessionQr = createRoute({
  method: 'get',
  path: '/api/sessions/{id}/qr',
  summary: 'The pending QR code of a session, as a PNG image, a base64 data URL or the raw string',
  request: { params: IdParam, query: QrQuery },
  responses: {
    200: {
      description: 'The QR code (image/png for format=png, JSON otherwise)',
      content: {
        'image/png': { schema: z.string().openapi({ format: 'binary' }) },
        'application/json': { schema: QrView },
      },
    },
    ...COMMON_ERRORS,
    404: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'SESSION_NOT_FOUND, or QR_NOT_AVAILABLE when no QR is pending'),
  },
});

const stopSession = createRoute({
  method: 'post',
  path: '/api/sessions/{id}/stop',
  summary: 'Close the socket and keep the auth state (status stopped); start resumes without a new scan',
  request: { params: IdParam },
  responses: { 202: json(SessionView, 'Stop queued for the owning worker'), ...COMMON_ERRORS, ...NOT_FOUND, ...CONFLICT },
});

const startSession = createRoute({
  method: 'post',
  path: '/api/sessions/{id}/start',
  summary: 'Start a stopped, failed or logged-out session again (a logged-out one shows a new QR)',
  request: { params: IdParam },
  responses: { 202: json(SessionView, 'Start queued for the owning worker'), ...COMMON_ERRORS, ...NOT_FOUND, ...CONFLICT },
});

/** QR, stop and start: the operations on an existing session besides status and delete. */
export function registerSessionControlRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(sessionQr, async (c) => {
    const { id } = c.req.valid('param');
    const { format, wait } = c.req.valid('query');
    // A workspace key does not wait on another workspace's session: it is answered as a missing one, at once.
    if (principalOf(c)?.kind === 'workspace') await requireSession(deps, c, id);
    const record = await deps.sessionWatch.until(
      id,
      (current) => hasLiveQr(current) || !QR_MAY_COME.has(current.status) || current.desired === 'deleted',
      wait * 1_000,
    );
    if (!record || !canSee(c, record.workspaceId)) throw new ApiError('SESSION_NOT_FOUND', 'no such session', { session_id: id });
    const view = sessionView(record, null);
    if (!view.qr || !view.qr_expires_at) {
      throw new ApiError('QR_NOT_AVAILABLE', `no QR code is pending (status ${view.status})`, { session_id: id, status: view.status });
    }
    c.header('Cache-Control', 'no-store');
    if (format === 'png') {
      const png = await renderQr(view.qr, 'png');
      return c.body(new Uint8Array(png), 200, { 'Content-Type': 'image/png' }) as never;
    }
    const qr = format === 'raw' ? view.qr : await renderQr(view.qr, 'data_url');
    return c.json({ session_id: id, format, qr, expires_at: view.qr_expires_at }, 200);
  });

  app.openapi(stopSession, async (c) => {
    const { id } = c.req.valid('param');
    const record = await requireLiveSession(deps, c, id);
    assertNotLoggingOut(record);
    await deps.sessions.update(id, { desired: 'stopped' });
    await deps.queues.add(record.shard, 'session.stop', sessionJob(record), jobId('stop', id, Date.now()));
    return c.json(await currentView(deps, record), 202);
  });

  app.openapi(startSession, async (c) => {
    const { id } = c.req.valid('param');
    const record = await requireLiveSession(deps, c, id);
    assertNotLoggingOut(record);
    await deps.sessions.update(id, { desired: 'running' });
    await wakeOwner(deps, { name: 'session.start', shard: record.shard, job: sessionJob(record), jobId: jobId('start', id, Date.now()) }, record.workspaceId);
    return c.json(await currentView(deps, record), 202);
  });
}

async function renderQr(text: string, format: 'png'): Promise<Buffer>;
async function renderQr(text: string, format: 'data_url'): Promise<string>;
async function renderQr(text: string, format: Exclude<QrFormat, 'raw'>): Promise<Buffer | string> {
  const options = { errorCorrectionLevel: 'L' as const, margin: 2, scale: 6 };
  return format === 'png' ? QRCode.toBuffer(text, { ...options, type: 'png' }) : QRCode.toDataURL(text, options);
}
