/** Everything a connection or admin action needs, shared by one simulator instance. */
import { randomBytes } from 'node:crypto';
import type { ResolvedOptions } from './options';
import { Registry } from './state/registry';
import { CredsPool } from '@fleet/signal-crypto';
import { IdGenerator } from './util/ids';
import { buildCertChain } from './transport/noise-server';
import { generateKeyPair, type KeyPair } from './transport/x25519';
import { MediaStore } from './media/media-store';
import { UploadAuth } from './media/upload-auth';

/** Lifetime of a media upload token (WhatsApp's `auth_ttl`). */
export const MEDIA_AUTH_TTL_S = 21_600;

export interface Counters {
  socketsOpen: number;
  socketsTotal: number;
  handshakeFailures: number;
  logins: number;
  loginFailures: number;
  conflicts: number;
  messagesReceived: number;
  messagesDelivered: number;
  messagesQueued: number;
  rateLimited: number;
  /** copies a recipient could not decrypt (each answered with a retry receipt) */
  decryptFailures: number;
  retryReceipts: number;
  /** copies of a message id the recipient had already decrypted */
  duplicates: number;
  /** usync queries asking for device lists (a client asks before writing to users it does not know yet) */
  deviceQueries: number;
  /** blobs accepted by the media host */
  mediaUploads: number;
  /** uploads refused (bad auth, hash mismatch, too large) */
  mediaUploadsRefused: number;
  /** blob downloads served */
  mediaDownloads: number;
  /** sent media messages whose blob could not be fetched or verified */
  mediaFailures: number;
}

/** The media host's state: its blobs, the upload tokens handed out, and its address once listening. */
export interface MediaState {
  readonly store: MediaStore;
  readonly auth: UploadAuth;
  /** `HOST:PORT` of the media host (as `media_conn` hands it out); undefined until started */
  hostname: string | undefined;
}

export interface SimContext {
  readonly options: ResolvedOptions;
  readonly registry: Registry;
  /** Signal identities made ahead for simulated users (contacts, scanning phones). */
  readonly identities: CredsPool;
  readonly ids: IdGenerator;
  readonly counters: Counters;
  readonly media: MediaState;
  /** The server's Noise static key, made (and its private half imported) once for every handshake. */
  readonly staticKey: KeyPair;
  readonly certificate: Uint8Array;
  readonly startedAt: number;
}

export function createContext(options: ResolvedOptions): SimContext {
  const staticKey = generateKeyPair();
  const identities = new CredsPool({ size: options.identityPoolSize, checkMs: options.identityPoolCheckMs });
  return {
    options,
    registry: new Registry(options.maxSentPerAccount, identities),
    identities,
    ids: new IdGenerator(),
    counters: {
      socketsOpen: 0,
      socketsTotal: 0,
      handshakeFailures: 0,
      logins: 0,
      loginFailures: 0,
      conflicts: 0,
      messagesReceived: 0,
      messagesDelivered: 0,
      messagesQueued: 0,
      rateLimited: 0,
      decryptFailures: 0,
      retryReceipts: 0,
      duplicates: 0,
      deviceQueries: 0,
      mediaUploads: 0,
      mediaUploadsRefused: 0,
      mediaDownloads: 0,
      mediaFailures: 0,
    },
    media: { store: new MediaStore(options.mediaStoreBytes), auth: new UploadAuth(MEDIA_AUTH_TTL_S), hostname: undefined },
    staticKey,
    certificate: buildCertChain(staticKey.public, randomBytes),
    startedAt: Date.now(),
  };
}
