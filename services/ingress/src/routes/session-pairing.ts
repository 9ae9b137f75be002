import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import { jobId, sessionJob, type SessionRecord } from '@fleet/state';
import type { IngressDeps } from '../deps';
import { ErrorBody, PhoneNumber, SessionView } from '../schemas';
import { hasLivePairingCode } from '../views';
import { COMMON_ERRORS, CONFLICT, NOT_FOUND, json } from './responses';
import { principalOf } from '../auth/principal';
import { assertNotLoggingOut, currentView, IdParam, requireLiveSession, requireSession } from './session-access';
import { MAX_QR_WAIT_SECONDS } from './session-control';

const PairBody = z.strictObject({ phone_number: PhoneNumber }).openapi('PairSession');

const PairingCodeQuery = z.object({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_QR_WAIT_SECONDS)
    .default(0)
    .openapi({
      param: { name: 'wait', in: 'query' },
      description: `Seconds (0-${MAX_QR_WAIT_SECONDS}) to wait for the code while the session asks for it, instead of polling. Default 0.`,
    }),
});

const PairingCodeView = z
  .object({
    session_id: z.string(),
    code: z
      .string()
      .openapi({ example: 'ABCD1234', description: 'Enter it on the phone: WhatsApp → Linked devices → Link a device → Link with phone number instead' }),
    phone_number: z.string(),
    expires_at: z.number().openapi({ description: 'When the socket offering it gives up (ms); a new code then needs POST /pair again' }),
  })
  .openapi('PairingCode');

const pairSession = createRoute({
  method: 'post',
  path: '/api/sessions/{id}/pair',
  summary: 'Link the session by pairing code with a phone number instead of a QR scan (the code comes as session.pairing_code and from /pairing-code)',
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: PairBody } } } },
  responses: { 202: json(SessionView, 'Pairing queued: the owning worker asks WhatsApp for a code'), ...COMMON_ERRORS, ...NOT_FOUND, ...CONFLICT },
});

const pairingCode = createRoute({
  method: 'get',
  path: '/api/sessions/{id}/pairing-code',
  summary: 'The pairing code to enter on the phone, while one is pending (long poll with ?wait=)',
  request: { params: IdParam, query: PairingCodeQuery },
  responses: {
    200: json(PairingCodeView, 'The pending code'),
    ...COMMON_ERRORS,
    404: json(ErrorBody, 'SESSION_NOT_FOUND, or PAIRING_CODE_NOT_AVAILABLE when no code is pending'),
  },
});

/** While the session asks for a code it may still come; in any other state waiting is pointless. */
function codeMayCome(record: SessionRecord): boolean {
  return record.pairingPhone !== undefined && record.desired === 'running' && ['starting', 'qr', 'disconnected'].includes(record.status);
}

/** Linking by pairing code: asking for one, and reading it. */
export function registerSessionPairingRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(pairSession, async (c) => {
    const { id } = c.req.valid('param');
    const { phone_number: phone } = c.req.valid('json');
    const record = await requireLiveSession(deps, c, id);
    assertNotLoggingOut(record);
    if (record.phone && record.status !== 'logged_out') {
      throw new ApiError('SESSION_ALREADY_LINKED', 'the session is linked to a phone already; log it out first (POST /api/sessions/{id}/logout)', {
        session_id: id,
        status: record.status,
      });
    }
    await deps.sessions.update(id, { desired: 'running', pairingPhone: phone, pairingCode: null, pairingCodeExpiresAt: null });
    await deps.queues.add(record.shard, 'session.pair', sessionJob(record), jobId('pair', id, Date.now()));
    return c.json(await currentView(deps, record), 202);
  });

  app.openapi(pairingCode, async (c) => {
    const { id } = c.req.valid('param');
    const { wait } = c.req.valid('query');
    // Another workspace's session answers at once, as a missing one, instead of after the wait.
    if (principalOf(c)?.kind === 'workspace') await requireSession(deps, c, id);
    const record = await deps.sessionWatch.until(id, (current) => hasLivePairingCode(current) || !codeMayCome(current), wait * 1_000);
    if (!record) throw new ApiError('SESSION_NOT_FOUND', 'no such session', { session_id: id });
    if (!hasLivePairingCode(record)) {
      throw new ApiError('PAIRING_CODE_NOT_AVAILABLE', `no pairing code is pending (status ${record.status})`, { session_id: id, status: record.status });
    }
    c.header('Cache-Control', 'no-store');
    return c.json({ session_id: id, code: record.pairingCode!, phone_number: record.pairingPhone ?? '', expires_at: record.pairingCodeExpiresAt! }, 200);
  });
}
