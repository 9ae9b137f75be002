/**
 * The protobuf of each kind of message the admin API delivers, built as WhatsApp's clients build them:
 * text (extended when it replies or mentions), media with its URL, direct path, media key and hashes,
 * location, contact card, reaction (key of the target, emoji), edit and revoke (protocol messages naming
 * the target's key). Who sends it and where is decided by the caller; this only shapes the content.
 */
import { proto } from 'baileys';
import type { ParsedIncoming } from '../admin/validate-incoming';
import type { EncryptedMedia, MediaType } from '../media/media-crypto';

export const DEFAULT_MIMETYPES: Record<MediaType, string> = {
  image: 'image/jpeg',
  video: 'video/mp4',
  audio: 'audio/ogg; codecs=opus',
  ptt: 'audio/ogg; codecs=opus',
  document: 'application/pdf',
  sticker: 'image/webp',
};

/** What the caller resolved for the message: its media on the host, its target's key, its reply context. */
export interface InboundParts {
  media?: { encrypted: EncryptedMedia; url: string; directPath: string; mimetype: string };
  /** reaction, edit, revoke: the target's key from the sender's point of view */
  targetKey?: proto.IMessageKey;
  contextInfo?: proto.IContextInfo;
}

export function buildInboundMessage(request: ParsedIncoming, parts: InboundParts): proto.IMessage {
  const contextInfo = parts.contextInfo ? { contextInfo: parts.contextInfo } : {};
  switch (request.type) {
    case 'text':
      return parts.contextInfo ? { extendedTextMessage: { text: request.text ?? '', ...contextInfo } } : { conversation: request.text ?? '' };
    case 'location': {
      const { latitude, longitude, name, address } = request.location ?? { latitude: 0, longitude: 0 };
      return {
        locationMessage: { degreesLatitude: latitude, degreesLongitude: longitude, ...(name ? { name } : {}), ...(address ? { address } : {}), ...contextInfo },
      };
    }
    case 'contact':
      return { contactMessage: { displayName: request.contact?.displayName ?? '', vcard: request.contact?.vcard ?? '', ...contextInfo } };
    case 'reaction':
      return { reactionMessage: { key: parts.targetKey ?? null, text: request.emoji ?? '', senderTimestampMs: Date.now() } };
    case 'edit':
      return {
        protocolMessage: {
          key: parts.targetKey ?? null,
          type: proto.Message.ProtocolMessage.Type.MESSAGE_EDIT,
          editedMessage: { conversation: request.text ?? '' },
          timestampMs: Date.now(),
        },
      };
    case 'revoke':
      return { protocolMessage: { key: parts.targetKey ?? null, type: proto.Message.ProtocolMessage.Type.REVOKE } };
    default:
      return mediaMessage(request, request.type, parts);
  }
}

function mediaMessage(request: ParsedIncoming, type: MediaType, parts: InboundParts): proto.IMessage {
  const media = parts.media;
  if (!media) throw new Error(`a ${type} message needs its media`);
  const { encrypted } = media;
  const common = {
    url: media.url,
    directPath: media.directPath,
    mediaKey: encrypted.mediaKey,
    fileEncSha256: encrypted.fileEncSha256,
    fileSha256: encrypted.fileSha256,
    fileLength: encrypted.fileLength,
    mimetype: media.mimetype,
    mediaKeyTimestamp: Math.floor(Date.now() / 1000),
    ...(parts.contextInfo ? { contextInfo: parts.contextInfo } : {}),
  };
  const caption = request.caption === undefined ? {} : { caption: request.caption };
  const seconds = request.seconds === undefined ? {} : { seconds: request.seconds };
  switch (type) {
    case 'image':
      return { imageMessage: { ...common, ...caption } };
    case 'video':
      return { videoMessage: { ...common, ...caption, ...seconds } };
    case 'audio':
      return { audioMessage: { ...common, ...seconds, ptt: false } };
    case 'ptt':
      return { audioMessage: { ...common, ...seconds, ptt: true } };
    case 'document': {
      const fileName = request.fileName ?? 'file';
      return { documentMessage: { ...common, ...caption, fileName, title: fileName } };
    }
    case 'sticker':
      return { stickerMessage: { ...common } };
  }
}
