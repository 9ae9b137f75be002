/**
 * Every event a Laravel application receives from Fleet (docs/events.md shows one payload each).
 * Each event carries a per-workspace sequence number; deliveries for one workspace are in order.
 */
export const EVENT_TYPES = [
  'session.qr',
  'session.pairing_code',
  'session.connected',
  'session.disconnected',
  'session.logged_out',
  'session.failed',
  'message.sent',
  'message.delivered',
  'message.read',
  'message.failed',
  'message.received',
  'message.sent_from_device',
  'message.reaction',
  'message.edited',
  'message.revoked',
  'message.media_available',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface SessionRef {
  readonly session_id: string;
  readonly account_id: string;
}

/** The `data` of each event type. */
export interface EventDataMap {
  'session.qr': SessionRef & { readonly qr: string; readonly expires_at: number };
  'session.connected': SessionRef & { readonly phone: string };
  'session.disconnected': SessionRef & { readonly code: number; readonly reason: string; readonly will_reconnect: boolean };
  'session.pairing_code': SessionRef & { readonly code: string; readonly phone_number: string; readonly expires_at: number };
  /** `reason`: `remote` (logged out from the phone, 401) or `api` (POST /api/sessions/{id}/logout). */
  'session.logged_out': SessionRef & { readonly reason?: 'remote' | 'api' };
  'session.failed': SessionRef & { readonly code: number; readonly reason: string };
  'message.sent': MessageStatusData;
  'message.delivered': MessageStatusData;
  'message.read': MessageStatusData;
  'message.failed': MessageStatusData & { readonly reason: string };
  'message.received': ReceivedMessageData;
  'message.sent_from_device': ReceivedMessageData;
  'message.reaction': ChatMessageRef & { readonly target_message_id: string; readonly emoji: string };
  'message.edited': ChatMessageRef & { readonly edit_id: string; readonly text: string };
  'message.revoked': ChatMessageRef;
  'message.media_available': { readonly session_id: string; readonly message_id: string; readonly media: MediaData };
}

/** Where a message was, and who wrote it. */
export interface ChatMessageRef {
  readonly session_id: string;
  readonly message_id: string;
  /** The chat: the contact's JID, or the group's. */
  readonly chat: string;
  /** Who wrote it (in a group, the participant). */
  readonly from: string;
  /** The group's JID when the chat is a group, else null. */
  readonly group: string | null;
  /** When it was written (ms since the epoch). */
  readonly timestamp: number;
}

/** A received (or sent-from-the-phone) message of any type. */
export interface ReceivedMessageData extends ChatMessageRef {
  /** text, image, video, audio, document, sticker, location or contact. */
  readonly type: string;
  /** The text, or a media message's caption ('' when none). */
  readonly text: string;
  readonly media?: MediaData;
  readonly location?: { readonly latitude: number; readonly longitude: number; readonly name?: string; readonly address?: string };
  readonly contact?: { readonly display_name: string; readonly vcard: string };
  /** The message this one replies to. */
  readonly quoted_message_id?: string;
  readonly mentions?: readonly string[];
}

/** A message's media as Fleet stored it. */
export interface MediaData {
  /** `GET /api/media/{id}` streams it. */
  readonly id: string;
  readonly type: string;
  readonly mimetype: string;
  readonly size: number;
  /** SHA-256 of the bytes (hex), checked against what the sender declared. */
  readonly sha256: string;
  readonly filename?: string;
  /** An audio sent as a voice note. */
  readonly voice?: boolean;
  /** available: stored and checked; unavailable: the download failed (retried; `message.media_available` follows). */
  readonly status: 'available' | 'unavailable';
  /** A short-lived link that needs no API key (see `url_expires_at`); null while unavailable. */
  readonly url: string | null;
  readonly url_expires_at: number | null;
}

export interface MessageStatusData {
  readonly message_id: string;
  readonly session_id: string;
  readonly status: 'sent' | 'delivered' | 'read' | 'failed';
}

/** The JSON body of a webhook delivery and of each item of GET /api/events. */
export interface FleetEvent<T extends EventType = EventType> {
  /** Unique id; the idempotency key of every delivery of this event (`evt_` + 24 hex). */
  readonly id: string;
  readonly type: T;
  readonly workspace_id: number;
  /** Per-workspace sequence number, from 1, increasing by one per event. */
  readonly sequence: number;
  /** When the event happened (ms since the epoch). */
  readonly occurred_at: number;
  readonly data: EventDataMap[T];
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Whether an event type passes a webhook's filter: exact types, `session.*`/`message.*` families,
 * or `*`. An empty filter passes everything.
 */
export function matchesFilter(type: EventType, filter: readonly string[]): boolean {
  if (filter.length === 0) return true;
  return filter.some((item) => item === '*' || item === type || (item.endsWith('.*') && type.startsWith(item.slice(0, -1))));
}

/** Filter items the API accepts. */
export const EVENT_FILTER_PATTERN = /^(\*|session\.\*|message\.\*|(session|message)\.[a-z_]+)$/;
