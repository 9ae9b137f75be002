import { randomBytes } from 'node:crypto';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import { sessionJob, type ContactCheckAnswer } from '@fleet/state';
import type { IngressDeps } from '../deps';
import { SessionId } from '../schemas';
import { COMMON_ERRORS, CONFLICT, NOT_FOUND, json } from './responses';
import { requireSession } from './session-access';

/** Numbers one check may ask about. */
export const MAX_CHECK_PHONES = 50;
/** How long the ingress waits for the session's worker to answer. */
export const CONTACTS_CHECK_TIMEOUT_MS = 20_000;

const PHONE = /^\+?[1-9]\d{6,14}$/;

const CheckQuery = z.object({
  session_id: SessionId.openapi({ param: { name: 'session_id', in: 'query' } }),
  phones: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((phone) => phone.trim())
        .filter((phone) => phone !== ''),
    )
    .pipe(z.array(z.string().regex(PHONE, 'a phone number in international format (E.164, an optional leading +)')).min(1).max(MAX_CHECK_PHONES))
    .openapi({
      param: { name: 'phones', in: 'query' },
      type: 'string',
      example: '+15551234567,4915112345678',
      description: `Comma-separated phone numbers, 1 to ${MAX_CHECK_PHONES}`,
    }),
});

const CheckResult = z
  .object({
    results: z.array(
      z.object({
        phone: z.string().openapi({ description: 'The number as asked, digits only' }),
        exists: z.boolean().openapi({ description: 'Whether WhatsApp knows the number' }),
        jid: z.string().nullable().openapi({ description: 'Its WhatsApp JID when it exists' }),
      }),
    ),
  })
  .openapi('ContactCheck');

const checkContacts = createRoute({
  method: 'get',
  path: '/api/contacts/check',
  summary: 'Which phone numbers are on WhatsApp, asked through a connected session',
  request: { query: CheckQuery },
  responses: {
    200: json(CheckResult, 'One result per number, in the order asked'),
    ...COMMON_ERRORS,
    ...NOT_FOUND,
    ...CONFLICT,
    502: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'WHATSAPP_QUERY_FAILED'),
    504: json(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'SESSION_TIMEOUT'),
  },
});

/**
 * `GET /api/contacts/check`: the session's worker asks WhatsApp over the session's socket (a usync
 * contact query). The numbers travel in a short-lived request record, the job carries its id only;
 * the answer comes back the same way (`SessionRequests`, `ReplyWatch`).
 */
export function registerContactRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(checkContacts, async (c) => {
    const { session_id: sessionId, phones } = c.req.valid('query');
    const record = await requireSession(deps, c, sessionId);
    if (record.status !== 'connected' || record.desired === 'deleted') {
      throw new ApiError('SESSION_NOT_CONNECTED', `the session is not connected (status ${record.status})`, { session_id: sessionId, status: record.status });
    }
    const digits = [...new Set(phones.map((phone) => phone.replace(/^\+/, '')))];
    const requestId = `cc${randomBytes(12).toString('hex')}`;
    const deadline = Date.now() + CONTACTS_CHECK_TIMEOUT_MS;
    await deps.requests.put(requestId, { phones: digits }, Math.ceil(CONTACTS_CHECK_TIMEOUT_MS / 1000) + 30);
    await deps.replies.ready();
    await deps.queues.add(record.shard, 'contacts.check', { ...sessionJob(record), requestId, deadline }, requestId, {
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 1,
    });
    const answer = await deps.replies.wait<ContactCheckAnswer>(requestId, CONTACTS_CHECK_TIMEOUT_MS);
    await deps.requests.forget(requestId);
    if (!answer) throw new ApiError('SESSION_TIMEOUT', 'the worker running the session did not answer in time; retry', { session_id: sessionId });
    if ('error' in answer) {
      if (answer.error === 'not_connected')
        throw new ApiError('SESSION_NOT_CONNECTED', 'the session is not connected on its worker', { session_id: sessionId });
      throw new ApiError('WHATSAPP_QUERY_FAILED', "WhatsApp did not answer the session's query (or refused it); retry", { session_id: sessionId });
    }
    const byPhone = new Map(answer.results.map((result) => [result.phone, result]));
    const results = digits.map((phone) => byPhone.get(phone) ?? { phone, exists: false, jid: null });
    return c.json({ results }, 200);
  });
}
