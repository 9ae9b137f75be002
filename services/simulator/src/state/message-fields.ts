/** What the sent log records of each kind of message, beyond its id, chat and status. */
import type { MediaType } from '../media/media-crypto';

/** A message's type as the sent log and `sentByType` name it. */
export type MessageType = 'text' | MediaType | 'location' | 'contact' | 'contacts' | 'reaction' | 'edit' | 'revoke' | 'poll' | 'other' | 'undecryptable';

/** A sent media message, after the simulator fetched, verified and decrypted its blob. */
export interface SentMedia {
  type: MediaType;
  mimetype: string | null;
  /** plaintext bytes (`fileLength` as claimed when the blob could not be decrypted) */
  size: number | null;
  /** hex SHA-256 of the decrypted plaintext; null when it could not be decrypted */
  sha256: string | null;
  /** blob found on the media host, its hash, mac, padding, plaintext hash and length all as claimed */
  verified: boolean;
  /** why it is not verified */
  error?: string;
  fileName?: string;
  caption?: string;
  /** audio/video duration as claimed */
  seconds?: number;
}

export interface MessageFields {
  type: MessageType;
  media?: SentMedia;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contact?: { displayName: string; vcard: string };
  /** a contacts-array message */
  contacts?: Array<{ displayName: string; vcard: string }>;
  /** `emoji` is '' when the reaction is removed */
  reaction?: { targetId: string; emoji: string };
  edit?: { targetId: string; text: string | null };
  revoke?: { targetId: string };
  poll?: { name: string; options: string[] };
  /** a reply: the quoted message's id (contextInfo.stanzaId) and author */
  quotedId?: string;
  quotedParticipant?: string;
  mentions?: string[];
}
