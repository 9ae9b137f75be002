import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@fleet/errors';
import type { MessageContent, MessageRecord } from '@fleet/messages';
import type { MessageSendJob } from '@fleet/state';
import type { Context } from 'hono';
import { canSee, principalOf } from '../auth/principal';
import type { IngressDeps } from '../deps';
import { takeSessionSend } from '../rate-limit/session-sends';
import { contentOf, targetOf, type ContentContext } from '../message-content';
import { EditMessageBody, MAX_INLINE_BYTES, MessageId, MessageView, SendMessageBody, SendMessageResult } from '../schemas';
import { messageView } from '../views';
import { SessionWorkspaces } from '../session-workspaces';
import { wakeOwner } from '../worker-wake';
import { errorResponses, json } from './responses';

/** Every /api route can answer these. */
const BASE = ['VALIDATION_FAILED', 'INVALID_JSON', 'INVALID_ID', 'UNAUTHORIZED', 'UNSUPPORTED_MEDIA_TYPE', 'DEPENDENCY_UNAVAILABLE'] as const;

export const SEND_PATH = '/api/messages/send';
/** The send route's body limit: small media inline as base64, plus the rest of the request. */
export const SEND_BODY_LIMIT_BYTES = Math.ceil((MAX_INLINE_BYTES * 4) / 3) + 64 * 1024;
/** WhatsApp lets a text be edited for 15 minutes after it was sent. */
const EDIT_WINDOW_MS = 15 * 60_000;
/** WhatsApp lets a message be deleted for everyone for about 2 days after it was sent. */
const REVOKE_WINDOW_MS = 2 * 24 * 3_600_000;

const sendMessage = createRoute({
  method: 'post',
  path: SEND_PATH,
  summary:
    "Queue a message (text, media, location, contact, reaction) in its session's outbox: sent in acceptance order; the same idempotency_key never sends twice",
  request: { body: { required: true, content: { 'application/json': { schema: SendMessageBody } } } },
  responses: {
    202: json(SendMessageResult, 'Accepted and queued'),
    200: json(SendMessageResult, 'A repeat of an earlier request with the same idempotency_key'),
    ...errorResponses(
      ...BASE,
      'PAYLOAD_TOO_LARGE',
      'SESSION_NOT_FOUND',
      'MESSAGE_NOT_FOUND',
      'IDEMPOTENCY_CONFLICT',
      'MEDIA_TOO_LARGE',
      'MEDIA_TYPE_NOT_ALLOWED',
      'MEDIA_NOT_FOUND',
      'MEDIA_NOT_AVAILABLE',
      'MEDIA_URL_REFUSED',
      'MEDIA_URL_UNREACHABLE',
    ),
  },
});

const getMessage = createRoute({
  method: 'get',
  path: '/api/messages/{id}',
  summary: 'A message and where it is: queued → sending → sent → delivered → read, or failed',
  request: { params: z.object({ id: MessageId.openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 200: json(MessageView, 'The message'), ...errorResponses(...BASE, 'MESSAGE_NOT_FOUND') },
});

const editMessage = createRoute({
  method: 'patch',
  path: '/api/messages/{id}',
  summary: 'Edit a text this session sent (within 15 minutes): queues the edit as a message of its own',
  request: {
    params: z.object({ id: MessageId.openapi({ param: { name: 'id', in: 'path' } }) }),
    body: { required: true, content: { 'application/json': { schema: EditMessageBody } } },
  },
  responses: {
    202: json(SendMessageResult, 'The edit, queued (its own message id and lifecycle)'),
    ...errorResponses(...BASE, 'MESSAGE_NOT_FOUND', 'SESSION_NOT_FOUND', 'MESSAGE_NOT_EDITABLE'),
  },
});

const revokeMessage = createRoute({
  method: 'delete',
  path: '/api/messages/{id}',
  summary: 'Delete a message for everyone: one still queued is cancelled; one sent is revoked (queued as a message of its own)',
  request: { params: z.object({ id: MessageId.openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: {
    202: json(SendMessageResult, 'The revoke, queued (its own message id and lifecycle)'),
    200: json(MessageView, 'The message was still queued: cancelled, never sent (status failed, reason cancelled)'),
    ...errorResponses(...BASE, 'MESSAGE_NOT_FOUND', 'SESSION_NOT_FOUND', 'MESSAGE_NOT_REVOCABLE'),
  },
});

/**
 * Wakes the session's sender (the job names the message; the message itself is in the ledger; see
 * wakeOwner). The message is already queued in the outbox: if neither the wake-up nor its job could
 * be sent, the workers find the waiting outbox within seconds anyway (a lost wake-up costs latency,
 * never the message), so this never fails the request.
 */
async function wake(deps: IngressDeps, shard: number, job: MessageSendJob, heard?: number): Promise<void> {
  try {
    await wakeOwner(deps, { name: 'message.send', shard, job }, job.workspaceId, heard);
  } catch (error) {
    deps.logger.warn('could not wake the sender; the outbox is sent on the next check', { message_id: job.messageId, error });
  }
}

/** The session a request names (404 when there is none, it is being deleted, or the key may not see it). */
async function sessionOf(deps: IngressDeps, c: Context, sessionId: string): Promise<{ workspaceId: number }> {
  const session = await deps.sessions.get(sessionId);
  if (!session || session.desired === 'deleted' || !canSee(c, session.workspaceId))
    throw new ApiError('SESSION_NOT_FOUND', 'no such session', { session_id: sessionId });
  return session;
}

/** What `queue` is asked to put in a session's outbox. */
interface Outgoing {
  readonly sessionId: string;
  readonly to: string;
  readonly content: MessageContent;
  readonly idempotencyKey?: string;
  /** The session's workspace when the route read it; else the last one seen for it, if any. */
  readonly workspaceId?: number;
}

/**
 * Queues a message in the session's outbox; answers the accepted (or repeated) message. When the
 * session's workspace is known, the accept publishes the wake-up on its owner's channel itself.
 */
async function queue(deps: IngressDeps, workspaces: SessionWorkspaces, outgoing: Outgoing): Promise<{ record: MessageRecord; duplicate: boolean }> {
  const { sessionId, to, content, idempotencyKey } = outgoing;
  const expected = outgoing.workspaceId ?? workspaces.get(sessionId);
  const route = expected === undefined ? undefined : deps.cluster.route(expected);
  const wakeOn = route?.ownerLive && expected !== undefined ? { channel: deps.keys.workerWakes(route.owner), workspaceId: expected } : undefined;
  const outcome = await deps.messages.accept({ sessionId, to, content, ...(idempotencyKey ? { idempotencyKey } : {}) }, Date.now(), wakeOn);
  if (outcome.kind === 'no_session') {
    deps.metrics.messagesAccepted.inc({ outcome: 'rejected' });
    throw new ApiError('SESSION_NOT_FOUND', 'no such session', { session_id: sessionId });
  }
  if (outcome.kind === 'duplicate' && !outcome.sameRequest) {
    deps.metrics.messagesAccepted.inc({ outcome: 'rejected' });
    throw new ApiError('IDEMPOTENCY_CONFLICT', 'idempotency_key was used for a different message', { idempotency_key: idempotencyKey });
  }
  const record = outcome.record;
  if (!record) throw new ApiError('MESSAGE_NOT_FOUND', 'the message for this idempotency_key has aged out');
  workspaces.remember(sessionId, record.workspaceId);
  const job: MessageSendJob = { messageId: record.messageId, sessionId, workspaceId: record.workspaceId, incarnation: outcome.incarnation };
  // One wake-up per outbox that turns non-empty: a message behind others is claimed by the drain the
  // first one's wake-up started (a burst costs one wake-up, not one a message). A repeat of a request still
  // queued wakes the sender again (the first wake-up may be lost with an ingress that died); the job id
  // makes a second add of a job still there a no-op.
  // Published with the accept (`woken`: who heard it) when it could be; otherwise here.
  if (outcome.kind === 'new' ? outcome.firstInOutbox : record.status === 'queued') {
    await wake(deps, outcome.shard, job, outcome.kind === 'new' ? outcome.woken : undefined);
  }
  deps.metrics.messagesAccepted.inc({ outcome: outcome.kind === 'new' ? 'accepted' : 'duplicate' });
  return { record, duplicate: outcome.kind === 'duplicate' };
}

/** A message the key may see (404 otherwise, as for a missing one). */
async function ownMessage(deps: IngressDeps, c: Context, id: string): Promise<MessageRecord> {
  const record = await deps.messages.get(id);
  if (!record || !canSee(c, record.workspaceId)) throw new ApiError('MESSAGE_NOT_FOUND', 'no such message', { message_id: id });
  return record;
}

export function registerMessageRoutes(app: OpenAPIHono, deps: IngressDeps): void {
  const workspaces = new SessionWorkspaces();
  const context = (sessionId: string, workspaceId: number): ContentContext => ({ sessionId, workspaceId, ledger: deps.messages, media: deps.media });

  app.openapi(sendMessage, async (c) => {
    const body = c.req.valid('json');
    // A plain text from an admin key needs nothing of the session before the accept script, which
    // checks it exists and is not being deleted itself: one Redis round trip a message fewer. A
    // workspace key's session is checked first (its workspace; its send bucket is taken before the
    // accept), as is one whose content refers to the session's messages or its workspace's media.
    const plainText = body.type === 'text' && !body.reply_to;
    const workspaceId = plainText && principalOf(c)?.kind !== 'workspace' ? undefined : (await sessionOf(deps, c, body.session_id)).workspaceId;
    await takeSessionSend(c, deps, body.session_id);
    const content = await contentOf(context(body.session_id, workspaceId ?? 0), body);
    const outgoing = { sessionId: body.session_id, to: body.to, content, ...(body.idempotency_key ? { idempotencyKey: body.idempotency_key } : {}) };
    const { record, duplicate } = await queue(deps, workspaces, { ...outgoing, ...(workspaceId === undefined ? {} : { workspaceId }) });
    return c.json({ ...messageView(record), duplicate }, duplicate ? 200 : 202);
  });

  app.openapi(getMessage, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(messageView(await ownMessage(deps, c, id)), 200);
  });

  app.openapi(editMessage, async (c) => {
    const { id } = c.req.valid('param');
    const { text } = c.req.valid('json');
    const record = await ownMessage(deps, c, id);
    const session = await sessionOf(deps, c, record.sessionId);
    const target = await targetOf(context(record.sessionId, session.workspaceId), id, 'edit').catch(() => undefined);
    const sentAt = target?.sentAt ?? 0;
    if (!target || !target.fromMe || target.type !== 'text' || Date.now() - sentAt > EDIT_WINDOW_MS) {
      throw new ApiError('MESSAGE_NOT_EDITABLE', 'only a text this session sent, acknowledged by WhatsApp, can be edited, within 15 minutes', {
        message_id: id,
        status: record.status,
        type: record.type,
      });
    }
    await takeSessionSend(c, deps, record.sessionId);
    const edited = { type: 'edit' as const, target: { id, chat: target.chat, fromMe: true }, text };
    const { record: edit } = await queue(deps, workspaces, { sessionId: record.sessionId, to: target.chat, content: edited, workspaceId: session.workspaceId });
    return c.json({ ...messageView(edit), duplicate: false }, 202);
  });

  app.openapi(revokeMessage, async (c) => {
    const { id } = c.req.valid('param');
    const record = await ownMessage(deps, c, id);
    if (record.status === 'queued') {
      const outcome = await deps.messages.cancel(id);
      if (outcome === 'cancelled') return c.json(messageView((await deps.messages.get(id)) ?? record), 200);
    }
    const session = await sessionOf(deps, c, record.sessionId);
    const target = await targetOf(context(record.sessionId, session.workspaceId), id, 'revoke').catch(() => undefined);
    if (!target || !target.fromMe || Date.now() - (target.sentAt ?? 0) > REVOKE_WINDOW_MS) {
      throw new ApiError('MESSAGE_NOT_REVOCABLE', 'only a message this session sent, acknowledged by WhatsApp, can be revoked, within 2 days', {
        message_id: id,
        status: record.status,
      });
    }
    await takeSessionSend(c, deps, record.sessionId);
    const revoked = { type: 'revoke' as const, target: { id, chat: target.chat, fromMe: true } };
    const { record: revoke } = await queue(deps, workspaces, {
      sessionId: record.sessionId,
      to: target.chat,
      content: revoked,
      workspaceId: session.workspaceId,
    });
    return c.json({ ...messageView(revoke), duplicate: false }, 202);
  });
}
