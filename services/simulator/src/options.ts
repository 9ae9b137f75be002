/** Simulator options; every default is applied here, in one place. */
import type { SimLogger } from './util/logger';
import { silentLogger } from './util/logger';

export interface SimulatorOptions {
  /** TCP port; 0 picks a free port. Default 0. */
  port?: number;
  /** Listen address. Default `127.0.0.1` (the simulator never listens publicly by default). */
  host?: string;
  /**
   * HTTPS port of the media host (uploads, downloads), on the same `host`; 0 picks a free port. Default 0.
   * Its test certificate covers `127.0.0.1` and `localhost` only (see `MEDIA_CA_PATH`).
   */
  mediaPort?: number;
  /**
   * Bytes of encrypted media the media host keeps in memory (least recently used blobs dropped first; a
   * dropped blob answers 404). Also the largest single upload. Default 256 MiB.
   */
  mediaStoreBytes?: number;
  /**
   * Delay before the first encrypted frame after a handshake: Baileys 6.17.16 derives its transport keys
   * without awaiting them. Default 25 ms.
   */
  postHandshakeDelayMs?: number;
  /** QR refs offered in `pair-device`; the client shows them 60 s, then 20 s each. Default 6. */
  qrRefs?: number;
  /**
   * Decrypted sent messages kept per account (oldest dropped; a sent-feed reader behind the drop is told
   * `truncated`). Default 1000.
   */
  maxSentPerAccount?: number;
  /** Incoming messages queued per account while no socket is logged in. Default 1000. */
  maxQueuedIncoming?: number;
  /** Send an encrypt `<count>` notification when a device has fewer one-time pre-keys than this. Default 5. */
  preKeyLowWatermark?: number;
  /** Send a delivery receipt after acking each message the client sends. Default true. */
  deliveryReceipts?: boolean;
  /** Send a read receipt this long after each accepted message; null = never (accounts may override). Default null. */
  autoReadReceiptMs?: number | null;
  /** A socket must finish the Noise handshake and log in within this time. Default 20000 ms. */
  handshakeTimeoutMs?: number;
  /** How long the app-state key share waits for the client's ack before `offline` is sent anyway. Default 10000 ms. */
  keyShareAckTimeoutMs?: number;
  /** How long `scan` waits for the client's `pair-device-sign`. Default 10000 ms. */
  pairTimeoutMs?: number;
  /**
   * Signal identities of simulated users (contacts written to, phones that scan) made ahead of need,
   * as WhatsApp has its users' keys long before a first message; refilled only while the simulator is
   * otherwise idle. 0 = mint each on first use. Default 512.
   */
  identityPoolSize?: number;
  /** How often the identity pool checks for idleness (and mints a slice when idle). Default 250 ms. */
  identityPoolCheckMs?: number;
  /** Interval of the shared housekeeping sweep. Default 1000 ms. */
  sweepIntervalMs?: number;
  /** Where diagnostics go. Default: silent. */
  logger?: SimLogger;
}

export type ResolvedOptions = Readonly<Required<SimulatorOptions>>;

export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  return Object.freeze({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    mediaPort: options.mediaPort ?? 0,
    mediaStoreBytes: options.mediaStoreBytes ?? 256 * 1024 * 1024,
    postHandshakeDelayMs: options.postHandshakeDelayMs ?? 25,
    qrRefs: options.qrRefs ?? 6,
    maxSentPerAccount: options.maxSentPerAccount ?? 1000,
    maxQueuedIncoming: options.maxQueuedIncoming ?? 1000,
    preKeyLowWatermark: options.preKeyLowWatermark ?? 5,
    deliveryReceipts: options.deliveryReceipts ?? true,
    autoReadReceiptMs: options.autoReadReceiptMs ?? null,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 20_000,
    keyShareAckTimeoutMs: options.keyShareAckTimeoutMs ?? 10_000,
    pairTimeoutMs: options.pairTimeoutMs ?? 10_000,
    identityPoolSize: options.identityPoolSize ?? 512,
    identityPoolCheckMs: options.identityPoolCheckMs ?? 250,
    sweepIntervalMs: options.sweepIntervalMs ?? 1000,
    logger: options.logger ?? silentLogger,
  });
}
