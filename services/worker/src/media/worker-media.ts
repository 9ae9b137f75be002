import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { createKeys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import { createMediaStore, fetcherOptions, SafeFetcher, type MediaStore } from '@fleet/media';
import { createRedis } from '@fleet/redis';
import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../config';
import { baileysDownloader } from '../connector/baileys';
import { InboundMedia } from './inbound-media';
import { StoreMediaOpener } from './media-opener';

/** How long one media upload or download to WhatsApp's media hosts may take. */
const MEDIA_TRANSFER_TIMEOUT_MS = 120_000;

/** A worker's media: where sends read it from, where received media goes, the agent for WhatsApp's media hosts. */
export interface WorkerMedia {
  readonly opener: StoreMediaOpener;
  readonly inbound: InboundMedia;
  /** For the connector's uploads and downloads (trusts WA_MEDIA_CA_FILE too, when set). */
  readonly agent: Agent | undefined;
  readonly store: MediaStore;
  close(): Promise<void>;
}

/**
 * The media store, the SSRF-safe fetcher and the inbound pipeline of one worker, on a Redis
 * connection of their own; undefined when the worker has no media settings (then media cannot be
 * sent, and received media is reported unavailable).
 */
export function createWorkerMedia(config: WorkerConfig, logger: Logger): WorkerMedia | undefined {
  const settings = config.media;
  if (!settings) return undefined;
  const redis: Redis = createRedis(config.common.redisUrl, { maxRetriesPerRequest: null, enableAutoPipelining: true });
  redis.on('error', () => undefined);
  const keys = createKeys(config.common.redisPrefix);
  const store = createMediaStore(settings, redis, keys);
  const agent = config.waMediaCaFile ? new Agent({ ca: [...rootCertificates, readFileSync(config.waMediaCaFile, 'utf8')], keepAlive: true }) : undefined;
  const inbound = new InboundMedia({
    store,
    redis,
    keys,
    logger,
    download: baileysDownloader(agent, MEDIA_TRANSFER_TIMEOUT_MS),
    publicBaseUrl: settings.publicBaseUrl,
    urlTtlSeconds: settings.urlTtlSeconds,
    retryDelayMs: config.mediaRetryDelayMs,
    maxRetries: config.mediaRetryAttempts,
  });
  return {
    opener: new StoreMediaOpener(store, new SafeFetcher(fetcherOptions(settings))),
    inbound,
    agent,
    store,
    async close() {
      inbound.stop();
      store.close();
      agent?.destroy();
      redis.disconnect();
    },
  };
}
