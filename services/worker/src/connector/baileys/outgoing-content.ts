import { proto } from 'baileys';
import type { MediaContent, MessageContent, Quote } from '@fleet/messages';
import type { UploadedMedia } from './media-upload';

/** A WhatsApp message ready to relay, with the stanza attributes some kinds need (edits, revokes). */
export interface BuiltMessage {
  readonly message: proto.IMessage;
  readonly attributes?: Record<string, string>;
}

/** Uploads a media content's source as WhatsApp does (encrypted), answering what the message must carry. */
export type MediaUploader = (content: MediaContent) => Promise<UploadedMedia>;

const PROTOCOL = proto.Message.ProtocolMessage.Type;
/** The `edit` attribute WhatsApp's clients put on the stanza of an edit (1) and of a revoke of one's own message (7). */
const EDIT_ATTRIBUTE = { edit: '1' };
const REVOKE_ATTRIBUTE = { edit: '7' };

/** The reply and mentions of a content, as WhatsApp's contextInfo; `self` is the account's JID (the author of its own quoted messages). */
function contextOf(content: { readonly replyTo?: Quote; readonly mentions?: readonly string[] }, self: string): proto.IContextInfo | undefined {
  const { replyTo, mentions } = content;
  if (!replyTo && !mentions?.length) return undefined;
  return {
    ...(replyTo
      ? {
          stanzaId: replyTo.id,
          participant: replyTo.fromMe ? self : (replyTo.participant ?? replyTo.chat),
          quotedMessage: { conversation: replyTo.text ?? '' },
          ...(replyTo.participant || replyTo.chat.endsWith('@g.us') ? { remoteJid: replyTo.chat } : {}),
        }
      : {}),
    ...(mentions?.length ? { mentionedJid: [...mentions] } : {}),
  };
}

/** The key of a message this session sent or received, in `chat`. */
function keyOf(target: { readonly id: string; readonly chat: string; readonly fromMe: boolean; readonly participant?: string }): proto.IMessageKey {
  return { remoteJid: target.chat, fromMe: target.fromMe, id: target.id, ...(!target.fromMe && target.participant ? { participant: target.participant } : {}) };
}

/** The media part of a message (imageMessage, documentMessage …) from what the upload produced. */
function mediaMessage(content: MediaContent, uploaded: UploadedMedia, context: proto.IContextInfo | undefined): proto.IMessage {
  const common = {
    url: uploaded.url,
    directPath: uploaded.directPath,
    mediaKey: uploaded.mediaKey,
    fileEncSha256: uploaded.fileEncSha256,
    fileSha256: uploaded.fileSha256,
    fileLength: uploaded.fileLength,
    mediaKeyTimestamp: Math.floor(Date.now() / 1000),
    mimetype: uploaded.mimetype,
    ...(context ? { contextInfo: context } : {}),
  };
  switch (content.type) {
    case 'image':
      return { imageMessage: { ...common, ...(content.caption ? { caption: content.caption } : {}) } };
    case 'video':
      return { videoMessage: { ...common, ...(content.caption ? { caption: content.caption } : {}) } };
    case 'audio':
      return { audioMessage: { ...common, ptt: content.voice === true } };
    case 'sticker':
      return { stickerMessage: common };
    case 'document':
      return {
        documentMessage: {
          ...common,
          fileName: content.filename ?? uploaded.filename ?? 'file',
          ...(content.caption ? { caption: content.caption } : {}),
        },
      };
  }
}

/**
 * The WhatsApp message for a content: texts, media (uploaded first), locations, contacts, reactions,
 * edits and revokes, with their reply and mentions. `self` is the account's own JID.
 */
export async function buildMessage(content: MessageContent, self: string, upload: MediaUploader): Promise<BuiltMessage> {
  switch (content.type) {
    case 'text': {
      const context = contextOf(content, self);
      return { message: context ? { extendedTextMessage: { text: content.text, contextInfo: context } } : { extendedTextMessage: { text: content.text } } };
    }
    case 'location': {
      const context = contextOf(content, self);
      const location = {
        degreesLatitude: content.latitude,
        degreesLongitude: content.longitude,
        ...(content.name ? { name: content.name } : {}),
        ...(content.address ? { address: content.address } : {}),
      };
      return { message: { locationMessage: { ...location, ...(context ? { contextInfo: context } : {}) } } };
    }
    case 'contact': {
      const context = contextOf(content, self);
      return { message: { contactMessage: { displayName: content.displayName, vcard: content.vcard, ...(context ? { contextInfo: context } : {}) } } };
    }
    case 'reaction':
      return { message: { reactionMessage: { key: keyOf(content.target), text: content.emoji, senderTimestampMs: Date.now() } } };
    case 'edit':
      return {
        message: {
          protocolMessage: { key: keyOf(content.target), type: PROTOCOL.MESSAGE_EDIT, editedMessage: { conversation: content.text }, timestampMs: Date.now() },
        },
        attributes: EDIT_ATTRIBUTE,
      };
    case 'revoke':
      return { message: { protocolMessage: { key: keyOf(content.target), type: PROTOCOL.REVOKE } }, attributes: REVOKE_ATTRIBUTE };
    default:
      return { message: mediaMessage(content, await upload(content), contextOf(content, self)) };
  }
}
