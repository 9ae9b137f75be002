/**
 * What a decrypted message is, for the sent log: its type and the fields a test needs (caption, file
 * name, location, contact, reaction/edit/revoke target, quoted id, mentions), and for a media message the
 * claims its blob must satisfy. Wrappers (ephemeral, view once, document with caption, device sent) are
 * looked through. Decoded protobufs keep defaults on their prototype, so only own properties count.
 */
import { getContentType, normalizeMessageContent, proto, toNumber } from 'baileys';
import type { MediaType } from '../media/media-crypto';
import type { MessageFields, MessageType } from '../state/message-fields';

export interface MessageSummary {
  kind: string;
  text: string | null;
  fields: MessageFields;
  /** a media message: what to verify against the media host */
  media?: MediaContent;
}

export interface MediaContent {
  type: MediaType;
  url?: string;
  directPath?: string;
  mediaKey?: Uint8Array;
  fileEncSha256?: Uint8Array;
  fileSha256?: Uint8Array;
  fileLength?: number;
  mimetype?: string;
  fileName?: string;
  caption?: string;
  seconds?: number;
}

type Loose = Record<string, unknown>;

/** `object[key]` if set on the object itself (not a prototype default). */
function own<T>(object: unknown, key: string): T | undefined {
  return object && typeof object === 'object' && Object.prototype.hasOwnProperty.call(object, key) ? ((object as Loose)[key] as T) : undefined;
}

export function summarize(message: proto.IMessage): MessageSummary {
  const unwrapped = own<proto.IMessage>(message, 'deviceSentMessage') ? (message.deviceSentMessage?.message ?? message) : message;
  const content = normalizeMessageContent(unwrapped) ?? unwrapped;
  const kind = getContentType(content) ?? Object.keys(content).find((key) => key !== 'messageContextInfo') ?? 'empty';
  const body = own<Loose>(content, kind);
  const summary: MessageSummary = { kind, text: textOf(content), fields: { type: typeOf(kind, body, content) } };
  const context = own<proto.IContextInfo>(body, 'contextInfo');
  const quotedId = own<string>(context, 'stanzaId');
  if (quotedId) summary.fields.quotedId = quotedId;
  const quotedParticipant = own<string>(context, 'participant');
  if (quotedParticipant) summary.fields.quotedParticipant = quotedParticipant;
  const mentions = own<string[]>(context, 'mentionedJid');
  if (mentions?.length) summary.fields.mentions = [...mentions];
  describe(summary, body);
  return summary;
}

function typeOf(kind: string, body: Loose | undefined, content: proto.IMessage): MessageType {
  switch (kind) {
    case 'conversation':
    case 'extendedTextMessage':
      return 'text';
    case 'imageMessage':
      return 'image';
    case 'videoMessage':
    case 'ptvMessage':
      return 'video';
    case 'audioMessage':
      return own<boolean>(body, 'ptt') ? 'ptt' : 'audio';
    case 'documentMessage':
      return 'document';
    case 'stickerMessage':
      return 'sticker';
    case 'locationMessage':
    case 'liveLocationMessage':
      return 'location';
    case 'contactMessage':
      return 'contact';
    case 'contactsArrayMessage':
      return 'contacts';
    case 'reactionMessage':
      return 'reaction';
    case 'pollCreationMessage':
    case 'pollCreationMessageV2':
    case 'pollCreationMessageV3':
      return 'poll';
    case 'protocolMessage': {
      const type = own<number>(content.protocolMessage, 'type');
      if (type === proto.Message.ProtocolMessage.Type.REVOKE) return 'revoke';
      if (type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) return 'edit';
      return 'other';
    }
    default:
      return 'other';
  }
}

function describe(summary: MessageSummary, body: Loose | undefined): void {
  const fields = summary.fields;
  switch (fields.type) {
    case 'image':
    case 'video':
    case 'audio':
    case 'ptt':
    case 'document':
    case 'sticker':
      summary.media = mediaContent(fields.type, body);
      return;
    case 'location':
      fields.location = {
        latitude: own<number>(body, 'degreesLatitude') ?? 0,
        longitude: own<number>(body, 'degreesLongitude') ?? 0,
        ...optional('name', own<string>(body, 'name')),
        ...optional('address', own<string>(body, 'address')),
      };
      return;
    case 'contact':
      fields.contact = { displayName: own<string>(body, 'displayName') ?? '', vcard: own<string>(body, 'vcard') ?? '' };
      return;
    case 'contacts':
      fields.contacts = (own<Loose[]>(body, 'contacts') ?? []).map((entry) => ({
        displayName: own<string>(entry, 'displayName') ?? '',
        vcard: own<string>(entry, 'vcard') ?? '',
      }));
      return;
    case 'reaction':
      fields.reaction = { targetId: own<proto.IMessageKey>(body, 'key')?.id ?? '', emoji: own<string>(body, 'text') ?? '' };
      return;
    case 'poll':
      fields.poll = {
        name: own<string>(body, 'name') ?? '',
        options: (own<Loose[]>(body, 'options') ?? []).map((option) => own<string>(option, 'optionName') ?? ''),
      };
      return;
    case 'edit': {
      const edited = own<proto.IMessage>(body, 'editedMessage');
      fields.edit = { targetId: own<proto.IMessageKey>(body, 'key')?.id ?? '', text: edited ? (textOf(edited) ?? captionOf(edited)) : null };
      return;
    }
    case 'revoke':
      fields.revoke = { targetId: own<proto.IMessageKey>(body, 'key')?.id ?? '' };
      return;
    default:
      return;
  }
}

function mediaContent(type: MediaType, body: Loose | undefined): MediaContent {
  const fileLength = own<number | Long>(body, 'fileLength');
  return {
    type,
    ...optional('url', own<string>(body, 'url')),
    ...optional('directPath', own<string>(body, 'directPath')),
    ...optional('mediaKey', own<Uint8Array>(body, 'mediaKey')),
    ...optional('fileEncSha256', own<Uint8Array>(body, 'fileEncSha256')),
    ...optional('fileSha256', own<Uint8Array>(body, 'fileSha256')),
    ...optional('fileLength', fileLength === undefined ? undefined : toNumber(fileLength as never)),
    ...optional('mimetype', own<string>(body, 'mimetype')),
    ...optional('fileName', own<string>(body, 'fileName')),
    ...optional('caption', own<string>(body, 'caption')),
    ...optional('seconds', own<number>(body, 'seconds')),
  };
}

type Long = { toNumber(): number };

function optional<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** Text of a conversation or extended text message. */
export function textOf(message: proto.IMessage): string | null {
  const conversation = own<string>(message, 'conversation');
  if (typeof conversation === 'string') return conversation;
  const text = own<string>(own<Loose>(message, 'extendedTextMessage'), 'text');
  return typeof text === 'string' ? text : null;
}

function captionOf(message: proto.IMessage): string | null {
  for (const key of ['imageMessage', 'videoMessage', 'documentMessage']) {
    const caption = own<string>(own<Loose>(message, key), 'caption');
    if (typeof caption === 'string') return caption;
  }
  return null;
}
