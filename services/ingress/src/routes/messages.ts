import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import type { MessageRecord } from '@fleet/messages';
import type { MessageSendJob } from '@fleet/state';
import type { IngressDeps } from '../deps';
import { MessageId, MessageView, SendMessageBody, SendMessageResult } from '../schemas';
import { messageView } from '../views';
import { COMMON_ERRORS, CONFLICT, NOT_FOUND, json } from './responses';


const sendMessage = createRoute({
  method: 'post',
  path: '/api/messages/send',
  summary: 'Queue a text message in its session\'s outbox (sent in acceptance order); the same idempotency_key never sends twice',
  request: { body: { required: true, content: { 'application/json': { schema: SendMessageBody } } } },
  responses: {
    202: json(SendMessageResult, 'Accepted and queued'),
    200: json(SendMessageResult, 'A repeat of an earlier request with the same idempotency_key'),
    ...COMMON_ERRORS,
    ...NOT_FOUND,
    ...CONFLICT,
  },
});

const getMessage = createRoute({
  method: 'get',
  path: '/api/messages/{id}',
  summary: 'A message and where it is: queued → sending → sent → delivered → read, or failed',
  request: { params: z.object({ id: MessageId.openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: json(MessageView, 'The message'), ...COMMON_ERRORS, ...NOT_FOUND },
});

/**
 * Wakes the session's sender (the job names the message; the message itself is in the ledger). The
 * message is already queued in the outbox: if the job cannot be added, the workers find the waiting
 * outbox within seconds anyway (a lost wake-up costs latency, never the message), so this never fails
 * the request.
 */
async function wake(deps: IngressDeps, shard: number, job: MessageSendJob): Promise<void> {
  try {
    await deps.queues.add(shard, 'message.send', job, job.messageId);
  } catch (error) {
    deps.logger.warn('could not add the send job; the outbox is sent on the next check', { message_id: job.messageId, error });
  }
}

export function registerMessageRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  app.openapi(sendMessage, async (c) => {
    const body = c.req.valid('json');
    const outcome = await deps.messages.accept({
      sessionId: body.session_id,
      to: body.to,
      text: body.text,
      idempotencyKey: body.idempotency_key,
    });
    if (outcome.kind === 'no_session') {
      deps.metrics.messagesAccepted.inc({ outcome: 'rejected' });
      throw new ApiError('SESSION_NOT_FOUND', 'no such session', { session_id: body.session_id });
    }
    if (outcome.kind === 'duplicate' && !outcome.sameRequest) {
      deps.metrics.messagesAccepted.inc({ outcome: 'rejected' });
      throw new ApiError('IDEMPOTENCY_CONFLICT', 'idempotency_key was used for a different message', {
        idempotency_key: body.idempotency_key,
      });
    }
    const record: MessageRecord | undefined = outcome.record;
    if (!record) throw new ApiError('MESSAGE_NOT_FOUND', 'the message for this idempotency_key has aged out');
    const job: MessageSendJob = { messageId: record.messageId, sessionId: body.session_id, workspaceId: record.workspaceId, incarnation: outcome.incarnation };
    // A repeat of a request still queued wakes the sender again (the first wake-up may be lost with
    // an ingress that died); the job id makes a second add of a job still there a no-op.
    if (outcome.kind === 'new' || record.status === 'queued') await wake(deps, outcome.shard, job);
    deps.metrics.messagesAccepted.inc({ outcome: outcome.kind === 'new' ? 'accepted' : 'duplicate' });
    return c.json({ ...messageView(record), duplicate: outcome.kind === 'duplicate' }, outcome.kind === 'new' ? 202 : 200);
  });

  app.openapi(getMessage, async (c) => {
    const { id } = c.req.valid('param');
    const record = await deps.messages.get(id);
    if (!record) throw new ApiError('MESSAGE_NOT_FOUND', 'no such message', { message_id: id });
    return c.json(messageView(record), 200);
  });
}
