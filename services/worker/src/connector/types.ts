import type { MessageContent } from '@fleet/messages';

/**
 * The seam between the worker's session manager and whatever speaks WhatsApp Web.
 *
 * The worker owns scheduling, leases, records and queues; a connector owns one socket per session and
 * reports what happens on it through the handlers. The production implementation is Baileys
 * (`./baileys/`); tests may drive the manager with their own connector.
 */

/** Everything a connector needs to run one session. */
export interface SessionSpec {
  readonly sessionId: string;
  readonly workspaceId: number;
  readonly accountId: string;
  /** Fencing epoch of the lease this run holds; every write of session state carries it. */
  readonly epoch: number;
  /** `SESSION_STORAGE_PATH/workspace_<id>/<session_id>/`, already validated. */
  readonly storageDir: string;
  /** Link an unlinked device by pairing code with this phone number (E.164 digits) instead of a QR scan. */
  readonly pairingPhone?: string;
  /**
   * The session's proxy (`http://`, `https://`, `socks5://`, credentials allowed) for the WebSocket and
   * media; a secret: never logged.
   */
  readonly proxyUrl?: string;
}

export type MessageAckStatus = 'sent' | 'delivered' | 'read' | 'failed';

export interface DisconnectInfo {
  /** WhatsApp / Baileys status code (408, 428, 440, 401, 515 …), 0 when unknown. */
  readonly code: number;
  /** Short machine-readable reason: `connection_lost`, `conflict`, `restart_required` … */
  readonly reason: string;
  /** True when the connector will reconnect by itself (backoff for 408/428, at once for 515). */
  readonly willReconnect: boolean;
}

/** Media a message carries (sent or received). */
export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** What kind of message arrived. */
export type IncomingKind = MediaKind | 'text' | 'location' | 'contact' | 'reaction' | 'edit' | 'revoke' | 'other';

/** A received message's media: what it claims to be, and how to fetch and decrypt it. */
export interface IncomingMedia {
  readonly type: MediaKind;
  readonly mimetype: string;
  /** Bytes of the plaintext, as the sender declared them. */
  readonly size: number;
  /** SHA-256 of the plaintext (hex), as the sender declared it: the download is checked against it. */
  readonly sha256: string;
  readonly filename?: string;
  /** An audio sent as a voice note (push-to-talk). */
  readonly voice?: boolean;
  /** Where WhatsApp keeps it, and its key (base64): enough to download it again later. */
  readonly source: MediaSource;
  /** Downloads and decrypts the media (a stream of the plaintext). */
  download(): Promise<NodeJS.ReadableStream>;
}

/** Where a received media object is on WhatsApp's media hosts, and its media key (base64). */
export interface MediaSource {
  readonly mediaKey: string;
  readonly directPath?: string;
  readonly url?: string;
}

/** A message that reached the session: from a contact, a group, or the account's own phone (fromMe). */
export interface IncomingMessage {
  readonly waMessageId: string;
  /** The chat: the contact's JID or the group's JID (`…@g.us`). */
  readonly chat: string;
  /** Who wrote it: the contact, the group participant, or the account itself (fromMe). */
  readonly from: string;
  /** Sent from the account's own phone (another device of the account), not received from someone else. */
  readonly fromMe: boolean;
  /** The group's JID when the chat is a group. */
  readonly group?: string;
  readonly timestamp: number;
  readonly kind: IncomingKind;
  /** The text, or a media message's caption. */
  readonly text?: string;
  readonly media?: IncomingMedia;
  readonly location?: { readonly latitude: number; readonly longitude: number; readonly name?: string; readonly address?: string };
  readonly contact?: { readonly displayName: string; readonly vcard: string };
  /** The message this one replies to (quotes). */
  readonly quotedId?: string;
  /** JIDs mentioned in it. */
  readonly mentions?: readonly string[];
  /** What a reaction, an edit or a revoke refers to: the message's id, and the emoji or the new text. */
  readonly target?: { readonly id: string; readonly emoji?: string; readonly text?: string };
}

/** Callbacks a connector invokes; they never throw and never block the socket. */
export interface SessionHandlers {
  onQr(qr: string, expiresAt: number): void;
  /** A pairing code for `phone` was obtained; it stays valid while this socket offers it (`expiresAt`). */
  onPairingCode?(code: string, phone: string, expiresAt: number): void;
  onConnected(info: { readonly phone: string }): void;
  onDisconnected(info: DisconnectInfo): void;
  /** The device was logged out (401): the connector has already cleared the auth state. */
  onLoggedOut(): void;
  /**
   * Terminal failure that must not be retried automatically (440 conflict, corrupt state, a refused
   * proxy …); `detail` says more when there is more to say (which proxy host was refused, and why).
   */
  onFailed(info: { readonly code: number; readonly reason: string; readonly detail?: string }): void;
  onMessageStatus(waMessageId: string, status: MessageAckStatus, detail?: string): void;
  onIncomingMessage(message: IncomingMessage): void;
  /**
   * The text of an outgoing message that is no longer in the connector's memory, for a recipient's
   * retry request (it could not decrypt it); undefined when it is no longer kept. Optional.
   */
  outgoing?(messageId: string): Promise<OutgoingMessage | undefined>;
}

export interface OutgoingMessage {
  /** Fleet's message id, used as the WhatsApp message id so acks map back without a lookup. */
  readonly messageId: string;
  /** Phone number (digits) or a full JID (a contact or a group). */
  readonly to: string;
  /** What it says: a text, media, a location, a contact, a reaction, an edit or a revoke. */
  readonly content: MessageContent;
}

export interface SessionHandle {
  /** Writes the message to the socket; resolves with the WhatsApp message id (acks come later). */
  send(message: OutgoingMessage): Promise<{ readonly waMessageId: string }>;
  /** Closes the socket cleanly and flushes auth state; the state stays on disk. */
  stop(): Promise<void>;
  /** Logs the device out on WhatsApp and removes its auth state. */
  logout(): Promise<void>;
  /**
   * Links an unlinked device by pairing code with `phone`: asks for a code now if the socket can,
   * else as soon as it can (`onPairingCode`). A connector that cannot leaves it out.
   */
  pair?(phone: string): Promise<void>;
  /** Which of `phones` (digits) are on WhatsApp, with their JIDs; needs an open socket. */
  checkContacts?(phones: readonly string[]): Promise<ContactCheck[]>;
}

/** Whether a phone number is on WhatsApp, and its JID when it is. */
export interface ContactCheck {
  readonly phone: string;
  readonly exists: boolean;
  readonly jid: string | null;
}

export interface SessionConnector {
  start(spec: SessionSpec, handlers: SessionHandlers): Promise<SessionHandle>;
  /** Credentials for new sessions made ahead and ready (a connector that makes none leaves it out). */
  readonly credsReady?: number;
  /**
   * Asks to be told how long each session-storage operation took (`open`, `write`, `check`, `clear`),
   * queueing included; a connector without such storage leaves it out.
   */
  observeStorage?(observer: (op: string, seconds: number, failed: boolean) => void): void;
  /** Closes every socket this connector opened (used on worker shutdown). */
  close(): Promise<void>;
}
