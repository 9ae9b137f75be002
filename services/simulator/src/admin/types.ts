/** JSON shapes of the admin API, shared by the in-process API, the HTTP routes and SimulatorClient. */
import type { Counters } from '../context';
import type { Faults } from '../state/faults';
import type { LoggedMessage, SentMessage, SentPage } from '../state/sent-log';

export type { Faults, LoggedMessage, SentMessage, SentPage };

export interface StartedSimulator {
  /** `ws://HOST:PORT/ws/chat`, for Baileys' `waWebSocketUrl` */
  wsUrl: string;
  /** `http://HOST:PORT/admin` */
  adminUrl: string;
  port: number;
  /** `https://HOST:MEDIA_PORT`: the media host (uploads, downloads), with the test certificate */
  mediaUrl: string;
  mediaPort: number;
  /** the test CA that signed the media host's certificate (PEM): trust it in the client's https agent */
  mediaCaPath: string;
}

export interface PendingQr {
  /** the ref the client is most likely showing now (first ref 60 s, then 20 s each) */
  currentRef: string;
  refs: string[];
  /** `ref,noiseKey,identityKey` of the current ref: the QR minus the adv secret only the client knows */
  qrPrefix: string;
  ageMs: number;
  scanned: boolean;
}

export interface ScanRequest {
  /** the full QR string the client emitted (`ref,noiseKey,identityKey,advSecret`) */
  qr: string;
  /** phone number of the virtual phone that scans, digits only */
  phone: string;
}

/** A companion waiting for its pairing code to be entered on `phone` (`POST /admin/link-code`). */
export interface PendingLinkCode {
  phone: string;
  /** the `link_code_pairing_ref` the server handed the companion */
  ref: string;
  /** `companion_platform_display` of the companion, e.g. `Chrome (Mac OS)` */
  platform: string;
  ageMs: number;
}

export interface ScanResult {
  phone: string;
  deviceId: number;
  jid: string;
}

export interface DeviceInfo {
  id: number;
  jid: string;
  registeredAt: number;
  lastLoginAt: number | null;
  logins: number;
  preKeys: number;
  appStateKeyShared: boolean;
  connected: boolean;
}

export interface AccountSummary {
  phone: string;
  devices: number;
  connections: number;
  maxConcurrent: number;
  conflicts: number;
  messagesReceived: number;
  messagesDelivered: number;
  /** copies of this account's messages its recipients could not decrypt; 0 unless a Signal state was reused */
  decryptFailures: number;
  /** retry receipts sent to this account's devices (one per failed copy, up to five per message) */
  retryReceipts: number;
  /** copies of an already delivered message id (resent after a lost ack); the phone ignored them */
  duplicates: number;
  /** decrypted sent messages by type (`text`, `image`, `reaction`, `edit`, …), first copies only */
  sentByType: Record<string, number>;
  /** blobs the account's devices uploaded to the media host */
  mediaUploads: number;
  /** sent media messages whose blob was missing or failed verification (hash, mac, padding, length) */
  mediaFailures: number;
}

export interface AccountDetails extends AccountSummary {
  jid: string;
  createdAt: number;
  logins: number;
  queuedIncoming: number;
  sentStored: number;
  autoReadMs: number | null;
  faults: Faults;
  deviceList: DeviceInfo[];
}

/** Kinds of message `incoming` can deliver. */
export type IncomingType = 'text' | 'image' | 'video' | 'audio' | 'ptt' | 'document' | 'sticker' | 'location' | 'contact' | 'reaction' | 'edit' | 'revoke';

/**
 * A message for the account's devices, from a simulated contact, a group participant, or the account's own
 * phone (`fromMe`). Fields other than those of its `type` (and the common ones) are refused.
 */
export interface IncomingRequest {
  /** Default `text`. */
  type?: IncomingType;
  /** sender: digits or a `@s.whatsapp.net` JID; required unless `fromMe` */
  from?: string;
  /** the account's own phone sent it (to `to`, or in `group`): it arrives with `key.fromMe` */
  fromMe?: boolean;
  /** fromMe outside a group: the contact the phone wrote to (digits or JID) */
  to?: string;
  /** a group id or `…@g.us` JID: the message is in this group, `from` (or the account, fromMe) its author */
  group?: string;
  /** text: the message; edit: the new text */
  text?: string;
  /** image, video, document */
  caption?: string;
  /** document (default `file`) */
  fileName?: string;
  /** media; default per type (image/jpeg, video/mp4, audio/ogg; codecs=opus, application/pdf, image/webp) */
  mimetype?: string;
  /** media: the bytes, base64 (or `size`) */
  data?: string;
  /** media: this many random bytes (or `data`) */
  size?: number;
  /** audio, ptt, video: duration in seconds */
  seconds?: number;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  /** a vCard; without `vcard`, one is made from `displayName` and `phone` */
  contact?: { displayName: string; vcard?: string; phone?: string };
  /** reaction, edit, revoke: the message id it applies to */
  targetId?: string;
  /** reaction: the emoji, '' removes an earlier reaction */
  emoji?: string;
  /** a reply: the quoted message (its author and text are looked up when the simulator knows the id) */
  replyTo?: { id: string; participant?: string; text?: string };
  /** JIDs or phones mentioned (text and captions) */
  mentions?: string[];
  /** send a `<plaintext>` node instead of a Signal-encrypted one (cheap, for load tests) */
  plaintext?: boolean;
  pushName?: string;
  /** message id; generated when absent */
  id?: string;
}

/** What was encrypted and put on the media host for an incoming media message. */
export interface IncomingMedia {
  /** hex SHA-256 of the plaintext: compare with what the client stored */
  sha256: string;
  size: number;
  mimetype: string;
  url: string;
  directPath: string;
}

export interface IncomingResult {
  id: string;
  outcome: 'delivered' | 'queued';
  media?: IncomingMedia;
}

export interface CreateGroupRequest {
  /** 1-100 characters */
  subject: string;
  /** phones or JIDs, at least two; the first creates the group (superadmin). Accounts and contacts alike. */
  participants: string[];
  /** participants made admins */
  admins?: string[];
}

export interface GroupInfo {
  /** the group's JID, `120363…@g.us` */
  id: string;
  subject: string;
  /** phone of the creator */
  creator: string;
  createdAt: number;
  participants: Array<{ phone: string; jid: string; admin: 'superadmin' | 'admin' | null }>;
}

export interface ReceiptRequest {
  messageIds: string[];
  type: 'read' | 'delivered';
}

export interface SentFeedQuery {
  /** the last seq already read (0 = from the start) */
  after: number;
  /** most records returned. Default and maximum 1000. */
  limit: number;
}

/** Messages ever received per account (phone → total), copies included: what a cursor reader compares to. */
export interface SentTotals {
  totals: Record<string, number>;
}

export interface FaultsRequest {
  dropPings?: boolean;
  delayMs?: number;
  rateLimitSends?: boolean;
  failLogin?: number | null;
  /** one-shot: close the account's live sockets with this code now */
  disconnect?: 428 | 440 | 401 | 515;
  /**
   * one-shot: every simulated contact forgets its Signal sessions with the account's devices (a phone
   * reinstalled, a lost state): the next message from the account fails to decrypt and is asked again
   */
  forgetSessions?: boolean;
}

export interface FaultsResult {
  faults: Faults;
  /** sockets closed by `disconnect` */
  disconnected: number;
  /** Signal sessions the contacts forgot (`forgetSessions`) */
  sessionsForgotten: number;
}

export interface SettingsRequest {
  /** read receipt this long after each sent message; null turns it off (falls back to the global option) */
  autoReadMs?: number | null;
}

/** The simulator's counters plus what is derived from its state at the time of the call. */
export interface StatsSnapshot extends Counters {
  uptimeMs: number;
  accounts: number;
  pendingQrs: number;
  /** Signal identities made ahead for simulated users, ready to hand out. */
  identitiesReady: number;
  /** the media host's store: blobs and bytes kept, blobs dropped to stay under `mediaStoreBytes` */
  mediaStore: { blobs: number; bytes: number; evicted: number };
  groups: number;
  perAccount: AccountSummary[];
}

export interface ErrorBody {
  error: { code: string; message: string; context?: Record<string, unknown> };
}
