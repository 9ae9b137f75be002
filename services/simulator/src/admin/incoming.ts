/**
 * The admin API's `incoming`: decides who sends the message where (a contact 1:1, a participant in a
 * group, or the account's own phone: fromMe), resolves what it refers to (the target of a reaction, edit
 * or revoke, the quoted message of a reply) from what the account sent and was sent, encrypts media with a
 * fresh media key onto the media host, builds the message and delivers it (or queues it while offline).
 */
import { randomBytes } from 'node:crypto';
import type { proto } from 'baileys';
import type { SimContext } from '../context';
import type { Account } from '../state/account';
import type { PendingIncoming } from '../state/account';
import { BadRequestError, GroupNotFoundError, MessageNotFoundError } from '../errors';
import { deliverIncoming } from '../protocol/delivery';
import { buildInboundMessage, DEFAULT_MIMETYPES, type InboundParts } from '../protocol/inbound-builders';
import { encryptMedia, MEDIA_TYPES, type MediaType } from '../media/media-crypto';
import { directPathOf } from '../media/media-store';
import type { ParsedIncoming } from './validate-incoming';
import type { IncomingMedia, IncomingResult } from './types';

/** Who writes where: the author, the chat as the account sees it and as the author sees it. */
interface Route {
  author: string;
  authorJid: string;
  /** the chat in the account's view: the contact, or the group */
  chat: string;
  /** the chat in the author's view (remoteJid of keys the author writes) */
  authorChat: string;
  group?: string;
}

/** A message the simulator knows: its author and chat (account's view), its text. */
interface KnownMessage {
  author: string;
  chat: string;
  text: string | null;
}

export async function deliverIncomingRequest(ctx: SimContext, account: Account, request: ParsedIncoming): Promise<IncomingResult> {
  const route = routeOf(ctx, account, request);
  const parts: InboundParts = {};
  if (request.type === 'reaction' || request.type === 'edit' || request.type === 'revoke') parts.targetKey = targetKey(account, request, route);
  const contextInfo = replyContext(account, request);
  if (contextInfo) parts.contextInfo = contextInfo;
  let media: IncomingMedia | undefined;
  if (isMediaType(request.type)) {
    const stored = storeMedia(ctx, request, request.type);
    parts.media = stored.parts;
    media = stored.result;
  }
  const id = request.id ?? ctx.ids.message();
  let message = buildInboundMessage(request, parts);
  if (request.fromMe && !route.group) message = { deviceSentMessage: { destinationJid: route.chat, message } };
  const item: PendingIncoming = {
    id,
    sender: route.author,
    from: route.group ?? route.authorJid,
    ...(route.group ? { participant: route.authorJid } : {}),
    ...(request.fromMe && !route.group ? { recipient: route.chat } : {}),
    message,
    ...stanzaAttrs(request),
    ...(request.pushName === undefined ? {} : { pushName: request.pushName }),
    plaintext: request.plaintext,
    timestamp: Date.now(),
  };
  const outcome = await deliverIncoming(ctx, account, item);
  if (request.type !== 'reaction' && request.type !== 'edit' && request.type !== 'revoke') {
    account.inbound.add({ id, chat: route.chat, author: route.authorJid, fromMe: request.fromMe, text: request.text ?? request.caption ?? null });
  }
  return { id, outcome, ...(media ? { media } : {}) };
}

function routeOf(ctx: SimContext, account: Account, request: ParsedIncoming): Route {
  const author = request.fromMe ? account.phone : (request.from ?? '');
  const authorJid = `${author}@s.whatsapp.net`;
  if (request.group) {
    const group = ctx.registry.groups.get(request.group);
    if (!group) throw new GroupNotFoundError(request.group);
    if (!group.participants.has(account.phone)) throw new BadRequestError('the account is not a participant of the group', { field: 'group' });
    if (!group.participants.has(author)) throw new BadRequestError('from is not a participant of the group', { field: 'from' });
    return { author, authorJid, chat: group.jid, authorChat: group.jid, group: group.jid };
  }
  if (request.fromMe) return { author, authorJid, chat: `${request.to}@s.whatsapp.net`, authorChat: `${request.to}@s.whatsapp.net` };
  return { author, authorJid, chat: authorJid, authorChat: account.jid };
}

/** A message of the account's chats by id: one it sent, or one the simulator delivered to it. */
function known(account: Account, id: string): KnownMessage | undefined {
  const inbound = account.inbound.get(id);
  if (inbound) return { author: inbound.author, chat: inbound.chat, text: inbound.text };
  const sent = account.sent.get(id);
  if (sent) return { author: account.jid, chat: sent.to, text: sent.text ?? sent.media?.caption ?? null };
  return undefined;
}

/**
 * The key of a reaction's, edit's or revoke's target as its author writes it. A reaction may target any
 * message of the chat; an edit or revoke only one its author wrote.
 */
function targetKey(account: Account, request: ParsedIncoming, route: Route): proto.IMessageKey {
  const id = request.targetId ?? '';
  const target = known(account, id);
  if (!target) throw new MessageNotFoundError([id]);
  if (target.chat !== route.chat) throw new BadRequestError('targetId is a message of another chat', { field: 'targetId' });
  if (request.type !== 'reaction' && target.author !== route.authorJid) {
    throw new BadRequestError(`only its author can ${request.type} a message`, { field: 'targetId' });
  }
  return {
    remoteJid: route.authorChat,
    fromMe: target.author === route.authorJid,
    id,
    ...(route.group ? { participant: target.author } : {}),
  };
}

/** contextInfo for a reply (stanzaId, participant, quotedMessage) and mentions. */
function replyContext(account: Account, request: ParsedIncoming): proto.IContextInfo | undefined {
  const context: proto.IContextInfo = {};
  if (request.replyTo) {
    const target = known(account, request.replyTo.id);
    const participant = request.replyTo.participant ?? target?.author;
    if (!participant) throw new MessageNotFoundError([request.replyTo.id]);
    context.stanzaId = request.replyTo.id;
    context.participant = participant;
    context.quotedMessage = { conversation: request.replyTo.text ?? target?.text ?? '' };
  }
  if (request.mentions?.length) context.mentionedJid = request.mentions;
  return Object.keys(context).length ? context : undefined;
}

function storeMedia(ctx: SimContext, request: ParsedIncoming, type: MediaType): { parts: NonNullable<InboundParts['media']>; result: IncomingMedia } {
  const plain = typeof request.media === 'number' ? randomBytes(request.media) : (request.media ?? Buffer.alloc(0));
  const { store, hostname } = ctx.media;
  if (plain.length + 32 > store.maxBytes) throw new BadRequestError(`media larger than the media store (${store.maxBytes} bytes)`, { field: 'size' });
  const encrypted = encryptMedia(plain, type);
  const encSha = encrypted.fileEncSha256.toString('base64url');
  const id = store.newId();
  store.put({
    id,
    uploadType: type === 'ptt' ? 'audio' : type === 'sticker' ? 'image' : type,
    chunks: [encrypted.blob],
    size: encrypted.blob.length,
    fileEncSha256: encSha,
    createdAt: Date.now(),
  });
  const directPath = directPathOf(id, encSha.slice(0, 16));
  const url = `https://${hostname}${directPath}&mms3=true`;
  const mimetype = request.mimetype ?? DEFAULT_MIMETYPES[type];
  return {
    parts: { encrypted, url, directPath, mimetype },
    result: { sha256: encrypted.fileSha256.toString('hex'), size: plain.length, mimetype, url, directPath },
  };
}

/** WhatsApp marks edits (`edit="1"`) and revokes (`edit="7"`) on the stanza, and media stanzas as `type="media"`. */
function stanzaAttrs(request: ParsedIncoming): { attrs?: Record<string, string> } {
  if (request.type === 'edit') return { attrs: { edit: '1' } };
  if (request.type === 'revoke') return { attrs: { edit: '7' } };
  if (isMediaType(request.type)) return { attrs: { type: 'media' } };
  return {};
}

function isMediaType(type: string): type is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(type);
}
