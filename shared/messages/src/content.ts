/**
 * What an outgoing message says: one of the kinds Fleet sends, with an optional reply and mentions.
 * The ingress builds it from the API request (after checking it), the ledger keeps it with the
 * recipient, and the worker turns it into the WhatsApp message.
 */
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export const CONTENT_TYPES = ['text', ...MEDIA_TYPES, 'location', 'contact', 'reaction', 'edit', 'revoke'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/** Where a message's media comes from: the media store (an upload, inline base64 put there) or a URL the worker fetches. */
export type MediaSource = { readonly mediaId: string } | { readonly url: string };

/** A message another refers to (a reaction, an edit, a revoke, a reply): its WhatsApp key. */
export interface MessageTarget {
  readonly id: string;
  /** The chat's JID (the contact or the group). */
  readonly chat: string;
  /** Sent by this session (true) or received by it (false). */
  readonly fromMe: boolean;
  /** In a group, who wrote the message (when not this session). */
  readonly participant?: string;
}

/** A quoted message: its key and what WhatsApp shows of it in the reply. */
export interface Quote extends MessageTarget {
  readonly text?: string;
}

interface Common {
  readonly replyTo?: Quote;
  /** JIDs mentioned (the text names them as @<number>). */
  readonly mentions?: readonly string[];
}

export type TextContent = Common & { readonly type: 'text'; readonly text: string };
export type MediaContent = Common & {
  readonly type: MediaType;
  readonly media: MediaSource;
  /** Declared by the request, or known from the stored media; the worker uses what it finds otherwise. */
  readonly mimetype?: string;
  readonly caption?: string;
  /** Documents: the name the recipient sees. */
  readonly filename?: string;
  /** Audio: sent as a voice note (push-to-talk). */
  readonly voice?: boolean;
};
export type LocationContent = Common & {
  readonly type: 'location';
  readonly latitude: number;
  readonly longitude: number;
  readonly name?: string;
  readonly address?: string;
};
export type ContactContent = Common & { readonly type: 'contact'; readonly displayName: string; readonly vcard: string };
/** An emoji on a message; an empty emoji removes the reaction. */
export type ReactionContent = { readonly type: 'reaction'; readonly target: MessageTarget; readonly emoji: string };
/** A new text for a text message this session sent. */
export type EditContent = { readonly type: 'edit'; readonly target: MessageTarget; readonly text: string };
/** Deletes a message this session sent, for everyone. */
export type RevokeContent = { readonly type: 'revoke'; readonly target: MessageTarget };

export type MessageContent = TextContent | MediaContent | LocationContent | ContactContent | ReactionContent | EditContent | RevokeContent;

export function isMediaType(value: string): value is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(value);
}

export function isMediaContent(content: MessageContent): content is MediaContent {
  return isMediaType(content.type);
}

/** A short text describing the content (logs never carry it; it is what a quote of it shows). */
export function previewOf(content: MessageContent): string | undefined {
  switch (content.type) {
    case 'text':
    case 'edit':
      return content.text;
    case 'location':
      return content.name;
    case 'contact':
      return content.displayName;
    case 'reaction':
    case 'revoke':
      return undefined;
    default:
      return content.caption;
  }
}
