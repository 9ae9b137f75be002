import type { Agent } from 'node:https';
import type { Logger } from '@fleet/logger';
import { AddressGuard } from '@fleet/net';
import { DEFAULT_DISK_THREADS, type KeyCache } from '../../auth-state';
import { DEFAULT_BACKOFF, DEFAULT_CONFLICTS, type BackoffOptions, type ConflictOptions } from './backoff';
import type { MediaOpener } from './media-upload';

export interface BaileysConnectorOptions {
  /** Winston logger; Baileys' own logs go through it mapped down to `debug`, phone numbers and JIDs scrubbed. */
  readonly logger: Logger;
  /** WebSocket endpoint. Default WhatsApp's own, `wss://web.whatsapp.com/ws/chat`; the simulator's in tests. */
  readonly waWebSocketUrl?: string;
  /** Handshake and frame-write timeout. Default 20,000 ms. */
  readonly connectTimeoutMs?: number;
  /** Keep-alive ping interval; a silent socket closes with 408 after this + 5 s. Default 30,000 ms. */
  readonly keepAliveIntervalMs?: number;
  /** Timeout of Baileys queries (device lists, pre-keys …). Default 60,000 ms. */
  readonly defaultQueryTimeoutMs?: number;
  /** Reconnect backoff for transient closes; see `BackoffOptions` for each default. */
  readonly backoff?: Partial<BackoffOptions>;
  /** Reconnects after 440 conflicts; see `ConflictOptions` for each default. */
  readonly conflicts?: Partial<ConflictOptions>;
  /**
   * How many rounds of QR codes an unpaired session shows before it fails with `qr_timeout`
   * (one round is what WhatsApp grants one socket: a 60 s QR then 20 s ones until its refs run out).
   * Default 1: the session fails and the application restarts it when a user is waiting again.
   */
  readonly qrRounds?: number;
  /** fsync auth-state writes. Default true. */
  readonly fsync?: boolean;
  /** Threads doing the auth state's file work (more help on a high-latency NFS). Default 4. */
  readonly diskThreads?: number;
  /** Bound of each session's key journal, bytes (see FileAuthState's `journalMaxBytes`). Default 128 KiB. */
  readonly journalMaxBytes?: number;
  /**
   * Credentials for new sessions made ahead while the worker is idle, so a burst of creations gets its
   * QRs without waiting for key generation; size it to the largest burst expected. 0 = none. Default 256.
   */
  readonly credsPoolSize?: number;
  /** Key cache for the auth state. Default the bounded cache shared by the whole process. */
  readonly keyCache?: KeyCache;
  /** Random source for backoff jitter (tests). Default `Math.random`. */
  readonly random?: () => number;
  /** Where media contents are read from (the media store, URLs); without one, media sends fail. */
  readonly media?: MediaOpener;
  /**
   * HTTPS agent for WhatsApp's media hosts (uploads and downloads): one trusting an extra CA in tests
   * (the simulator's media host). Default Node's.
   */
  readonly mediaAgent?: Agent;
  /**
   * The CAs (PEM) `mediaAgent` trusts, Node's roots included, for the agents of sessions with a
   * proxy (which tunnel media through it). Default Node's roots.
   */
  readonly mediaCa?: readonly string[];
  /** Time allowed for one media upload or download. Default 120,000 ms. */
  readonly mediaUploadTimeoutMs?: number;
  /**
   * Which hosts a session's proxy may be (PROXY_ALLOW): a refused address fails the start, a name
   * resolving to a refused address fails the session at connection (`proxy_refused`); never a direct
   * connection instead. Default a guard that allows public addresses only.
   */
  readonly proxyGuard?: AddressGuard;
}

export interface ResolvedConnectorOptions {
  readonly logger: Logger;
  readonly waWebSocketUrl: string;
  readonly connectTimeoutMs: number;
  readonly keepAliveIntervalMs: number;
  readonly defaultQueryTimeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly conflicts: ConflictOptions;
  readonly qrRounds: number;
  readonly fsync: boolean;
  readonly diskThreads: number;
  readonly journalMaxBytes: number | undefined;
  readonly credsPoolSize: number;
  readonly keyCache: KeyCache | undefined;
  readonly random: () => number;
  readonly media: MediaOpener | undefined;
  readonly mediaAgent: Agent | undefined;
  readonly mediaCa: readonly string[] | undefined;
  readonly mediaUploadTimeoutMs: number;
  readonly proxyGuard: AddressGuard;
}

/** Credentials for new sessions kept ready by default (see `credsPoolSize`). */
export const DEFAULT_CREDS_POOL_SIZE = 256;

export const WHATSAPP_WEB_SOCKET_URL = 'wss://web.whatsapp.com/ws/chat';

/** Every default of the connector, applied in one place. */
export function resolveConnectorOptions(options: BaileysConnectorOptions): ResolvedConnectorOptions {
  return Object.freeze({
    logger: options.logger,
    waWebSocketUrl: options.waWebSocketUrl ?? WHATSAPP_WEB_SOCKET_URL,
    connectTimeoutMs: options.connectTimeoutMs ?? 20_000,
    keepAliveIntervalMs: options.keepAliveIntervalMs ?? 30_000,
    defaultQueryTimeoutMs: options.defaultQueryTimeoutMs ?? 60_000,
    backoff: Object.freeze({ ...DEFAULT_BACKOFF, ...options.backoff }),
    conflicts: Object.freeze({ ...DEFAULT_CONFLICTS, ...options.conflicts }),
    qrRounds: Math.max(1, options.qrRounds ?? 1),
    fsync: options.fsync ?? true,
    diskThreads: options.diskThreads ?? DEFAULT_DISK_THREADS,
    journalMaxBytes: options.journalMaxBytes,
    credsPoolSize: options.credsPoolSize ?? DEFAULT_CREDS_POOL_SIZE,
    keyCache: options.keyCache,
    random: options.random ?? Math.random,
    media: options.media,
    mediaAgent: options.mediaAgent,
    mediaCa: options.mediaCa,
    mediaUploadTimeoutMs: options.mediaUploadTimeoutMs ?? 120_000,
    proxyGuard: options.proxyGuard ?? new AddressGuard(),
  });
}
