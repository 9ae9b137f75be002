import { ApiError } from '@fleet/errors';
import { chatJidOf, type MediaType, type MessageContent, type MessageLedger, type MessageTarget, type Quote } from '@fleet/messages';
import type { z } from '@hono/zod-openapi';
import type { SendMessageBody } from './schemas';

type SendBody = z.infer<typeof SendMessageBody>;

/** What the route needs to check and store a message's media before queueing it. */
export interface MediaGateway {
  /** A stored media object of the workspace, fit for `type` (else a 4xx naming why). */
  stored(workspaceId: number, mediaId: string, type: MediaType): Promise<{ readonly mimetype: string; readonly filename?: string }>;
  /** Checks a media URL (scheme, address, reachability, declared size and type) for `type`. */
  checkUrl(url: string, type: MediaType, mimetype?: string): Promise<{ readonly mimetype?: string }>;
  /** Stores inline media (already decoded) for the workspace; answers its id. */
  putInline(
    workspaceId: number,
    type: MediaType,
    bytes: Buffer,
    mimetype: string,
    filename?: string,
  ): Promise<{ readonly mediaId: string; readonly mimetype: string }>;
}

/** What building a content needs: the session's workspace, the ledger (targets), the media gateway. */
export interface ContentContext {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly ledger: MessageLedger;
  readonly media: MediaGateway;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A message of this session that `id` names (one it sent and WhatsApp has, or one it received); 404 otherwise. */
export async function targetOf(context: ContentContext, id: string, why: string): Promise<Quote & { readonly type?: string; readonly sentAt?: number }> {
  const target = await context.ledger.findTarget(context.sessionId, id);
  if (!target)
    throw new ApiError('MESSAGE_NOT_FOUND', `${why}: no message ${id} in this session (sent and acknowledged, or received, and not aged out)`, {
      message_id: id,
    });
  return target;
}

/** The key fields of a target (no preview). */
function keyOf(target: MessageTarget): MessageTarget {
  return { id: target.id, chat: target.chat, fromMe: target.fromMe, ...(target.participant ? { participant: target.participant } : {}) };
}

/** The media of a send, checked (and inline media stored) before anything is queued. */
async function mediaOf(
  context: ContentContext,
  body: SendBody,
  type: MediaType,
): Promise<{ media: { mediaId: string } | { url: string }; mimetype?: string; filename?: string }> {
  const gateway = context.media;
  const input = body.media ?? {};
  if (input.id) {
    const stored = await gateway.stored(context.workspaceId, input.id, type);
    return { media: { mediaId: input.id }, mimetype: input.mimetype ?? stored.mimetype, ...(stored.filename ? { filename: stored.filename } : {}) };
  }
  if (input.url) {
    const checked = await gateway.checkUrl(input.url, type, input.mimetype);
    const mimetype = input.mimetype ?? checked.mimetype;
    return { media: { url: input.url }, ...(mimetype ? { mimetype } : {}) };
  }
  const base64 = (input.base64 ?? '').replace(/\s+/g, '');
  if (!BASE64.test(base64) || base64.length % 4 !== 0 || base64.length === 0) {
    throw new ApiError('VALIDATION_FAILED', 'media.base64 is not valid base64', { field: 'media.base64' });
  }
  if (!input.mimetype) throw new ApiError('VALIDATION_FAILED', 'media.mimetype is required with media.base64', { field: 'media.mimetype' });
  const stored = await gateway.putInline(context.workspaceId, type, Buffer.from(base64, 'base64'), input.mimetype, input.filename ?? body.filename);
  return { media: { mediaId: stored.mediaId }, mimetype: stored.mimetype };
}

/**
 * The content of `POST /api/messages/send`, checked: the recipient's chat, the reply's and the
 * reaction's target (a message of this session), the media (stored, reachable, within its limits).
 * Every failure is a 4xx naming what is wrong, before anything is queued.
 */
export async function contentOf(context: ContentContext, body: SendBody): Promise<MessageContent> {
  if (!chatJidOf(body.to)) throw new ApiError('VALIDATION_FAILED', 'to is neither a phone number nor a WhatsApp JID', { field: 'to' });
  const replyTo = body.reply_to ? await targetOf(context, body.reply_to, 'reply_to') : undefined;
  const mentions = body.mentions?.map((phone) => chatJidOf(phone)).filter((jid): jid is string => jid !== undefined);
  const common = {
    ...(replyTo ? { replyTo: { ...keyOf(replyTo), ...(replyTo.text ? { text: replyTo.text } : {}) } } : {}),
    ...(mentions?.length ? { mentions } : {}),
  };
  switch (body.type) {
    case 'text':
      return { type: 'text', text: body.text ?? '', ...common };
    case 'location':
      return { type: 'location', ...body.location!, ...common };
    case 'contact':
      return { type: 'contact', displayName: body.contact!.display_name, vcard: body.contact!.vcard, ...common };
    case 'reaction': {
      const target = await targetOf(context, body.reaction!.message_id, 'reaction.message_id');
      return { type: 'reaction', target: keyOf(target), emoji: body.reaction!.emoji };
    }
    default: {
      const media = await mediaOf(context, body, body.type);
      const filename = body.filename ?? body.media?.filename ?? media.filename;
      return {
        type: body.type,
        media: media.media,
        ...(media.mimetype ? { mimetype: media.mimetype } : {}),
        ...(body.text ? { caption: body.text } : {}),
        ...(body.type === 'document' && filename ? { filename } : {}),
        ...(body.type === 'audio' && body.voice ? { voice: true } : {}),
        ...common,
      };
    }
  }
}
