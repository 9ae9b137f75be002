import { downloadContentFromMessage, isJidGroup, jidNormalizedUser, proto, type WAMessage } from 'baileys';
import type { IncomingMedia, IncomingMessage, MediaKind } from '../types';

/** Downloads and decrypts one media message of a given type (Baileys' downloadContentFromMessage). */
export type MediaDownloader = (media: DownloadableMedia, type: MediaKind) => Promise<NodeJS.ReadableStream>;

/** A downloader over Baileys' own, through `agent` (one trusting an extra CA in tests), bounded by `timeoutMs`. */
export function baileysDownloader(agent: import('node:https').Agent | undefined, timeoutMs: number): MediaDownloader {
  return (media, type) => downloadContentFromMessage(media, type, { options: { ...(agent ? { httpsAgent: agent } : {}), timeout: timeoutMs } });
}

/** The fields of a media message needed to fetch and decrypt it. */
export interface DownloadableMedia {
  readonly mediaKey?: Uint8Array | null;
  readonly directPath?: string | null;
  readonly url?: string | null;
}

type Content = proto.IMessage;
const PROTOCOL = proto.Message.ProtocolMessage.Type;

/** The message inside the wrappers WhatsApp puts around some (ephemeral, view once, edited, document with caption). */
function unwrap(message: Content | null | undefined): Content | undefined {
  let current = message ?? undefined;
  for (let depth = 0; current && depth < 4; depth += 1) {
    const inner =
      current.ephemeralMessage?.message ??
      current.viewOnceMessage?.message ??
      current.viewOnceMessageV2?.message ??
      current.documentWithCaptionMessage?.message;
    if (!inner) return current;
    current = inner;
  }
  return current;
}

const hex = (value: Uint8Array | null | undefined): string => (value ? Buffer.from(value).toString('hex') : '');
const toNumber = (value: number | Long | null | undefined): number => (value === null || value === undefined ? 0 : Number(value.toString()));
interface Long {
  toString(): string;
}

/** The media part of a message, if it has one. */
function mediaOf(content: Content, download: MediaDownloader): { kind: MediaKind; media: IncomingMedia; caption?: string } | undefined {
  const candidates: Array<
    [
      MediaKind,
      (
        | proto.Message.IImageMessage
        | proto.Message.IVideoMessage
        | proto.Message.IAudioMessage
        | proto.Message.IDocumentMessage
        | proto.Message.IStickerMessage
        | null
        | undefined
      ),
    ]
  > = [
    ['image', content.imageMessage],
    ['video', content.videoMessage],
    ['audio', content.audioMessage],
    ['document', content.documentMessage],
    ['sticker', content.stickerMessage],
  ];
  for (const [type, message] of candidates) {
    if (!message) continue;
    const caption = 'caption' in message && typeof message.caption === 'string' ? message.caption : undefined;
    const filename = 'fileName' in message && typeof message.fileName === 'string' ? message.fileName : undefined;
    const voice = 'ptt' in message && message.ptt === true ? true : undefined;
    const downloadable: DownloadableMedia = { mediaKey: message.mediaKey, directPath: message.directPath, url: message.url };
    const media: IncomingMedia = {
      type,
      mimetype: message.mimetype ?? 'application/octet-stream',
      size: toNumber(message.fileLength),
      sha256: hex(message.fileSha256),
      ...(filename ? { filename } : {}),
      ...(voice ? { voice } : {}),
      source: {
        mediaKey: message.mediaKey ? Buffer.from(message.mediaKey).toString('base64') : '',
        ...(message.directPath ? { directPath: message.directPath } : {}),
        ...(message.url ? { url: message.url } : {}),
      },
      download: () => download(downloadable, type),
    };
    return { kind: type, media, ...(caption !== undefined ? { caption } : {}) };
  }
  return undefined;
}

/** The context (reply, mentions) of the first part of a message that has one. */
function contextOf(content: Content): proto.IContextInfo | undefined {
  for (const part of Object.values(content)) {
    const context = (part as { contextInfo?: proto.IContextInfo | null } | null)?.contextInfo;
    if (context) return context;
  }
  return undefined;
}

/** A string field set on the object itself (not a protobuf default from its prototype). */
function ownString(object: object | null | undefined, key: string): string | undefined {
  if (!object || !Object.prototype.hasOwnProperty.call(object, key)) return undefined;
  const value = (object as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** What the content is, with its kind-specific fields. */
function classify(content: Content, download: MediaDownloader): Pick<IncomingMessage, 'kind' | 'text' | 'media' | 'location' | 'contact' | 'target'> {
  const protocol = content.protocolMessage;
  if (protocol?.key?.id && protocol.type === PROTOCOL.REVOKE) return { kind: 'revoke', target: { id: protocol.key.id } };
  if (protocol?.key?.id && protocol.type === PROTOCOL.MESSAGE_EDIT) {
    const edited = unwrap(protocol.editedMessage);
    return { kind: 'edit', target: { id: protocol.key.id, text: ownString(edited, 'conversation') ?? ownString(edited?.extendedTextMessage, 'text') ?? '' } };
  }
  const reaction = content.reactionMessage;
  if (reaction?.key?.id) return { kind: 'reaction', target: { id: reaction.key.id, emoji: reaction.text ?? '' } };
  // Decoded protobufs keep scalar defaults ('' for conversation) on the prototype: own fields only.
  const text = ownString(content, 'conversation') ?? ownString(content.extendedTextMessage, 'text');
  if (text !== undefined) return { kind: 'text', text };
  const media = mediaOf(content, download);
  if (media) return { kind: media.kind, media: media.media, ...(media.caption !== undefined ? { text: media.caption } : {}) };
  const location = content.locationMessage ?? content.liveLocationMessage;
  if (location) {
    const named = content.locationMessage ?? undefined;
    return {
      kind: 'location',
      location: {
        latitude: Number(location.degreesLatitude ?? 0),
        longitude: Number(location.degreesLongitude ?? 0),
        ...(named?.name ? { name: named.name } : {}),
        ...(named?.address ? { address: named.address } : {}),
      },
    };
  }
  const contact = content.contactMessage ?? content.contactsArrayMessage?.contacts?.[0];
  if (contact) return { kind: 'contact', contact: { displayName: contact.displayName ?? '', vcard: contact.vcard ?? '' } };
  return { kind: 'other' };
}

/**
 * A message Baileys upserted, as Fleet reports it: any kind (text, media, location, contact,
 * reaction, edit, revoke), from a contact, a group participant, or the account's own phone (fromMe),
 * with its reply and mentions (`self`: the account's own JID, the sender of a fromMe message). Undefined for status broadcasts, messages with no content (a stub) and
 * Baileys' own protocol traffic (key shares, history sync).
 */
export function toIncomingMessage(message: WAMessage, download: MediaDownloader, self: string): IncomingMessage | undefined {
  const { key } = message;
  if (!key.id || !key.remoteJid || key.remoteJid === 'status@broadcast') return undefined;
  const content = unwrap(message.message);
  if (!content) return undefined;
  const protocol = content.protocolMessage;
  if (protocol && protocol.type !== PROTOCOL.REVOKE && protocol.type !== PROTOCOL.MESSAGE_EDIT) return undefined;
  const classified = classify(content, download);
  if (classified.kind === 'other') return undefined;
  const group = isJidGroup(key.remoteJid) ? key.remoteJid : undefined;
  const fromMe = key.fromMe === true;
  const sender = group ? (key.participant ?? '') : key.remoteJid;
  const context = contextOf(content);
  const mentions = context?.mentionedJid?.filter((jid): jid is string => typeof jid === 'string' && jid.length > 0);
  return {
    waMessageId: key.id,
    chat: group ?? (jidNormalizedUser(key.remoteJid) || key.remoteJid),
    from: fromMe ? self : jidNormalizedUser(sender) || sender,
    fromMe,
    ...(group ? { group } : {}),
    timestamp: timestampMs(message.messageTimestamp),
    ...classified,
    ...(context?.stanzaId ? { quotedId: context.stanzaId } : {}),
    ...(mentions && mentions.length > 0 ? { mentions } : {}),
  };
}

/** `messageTimestamp` (seconds, number or Long) in milliseconds; now when absent. */
function timestampMs(value: WAMessage['messageTimestamp']): number {
  if (value === null || value === undefined) return Date.now();
  const seconds = typeof value === 'number' ? value : Number(value.toString());
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now();
}
