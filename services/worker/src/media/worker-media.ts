import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import { createKeys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import { createMediaStore, fetcherOptions, SafeFetcher, type MediaStore } from '@fleet/media';
import { AddressGuard } from '@fleet/net';
import { createRedis } from '@fleet/redis';
import { SessionSecrets, SessionStore } from '@fleet/state';
import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../config';
import { baileysDownloader, createProxyAgent, type MediaDownloader } from '../connector/baileys';
import { InboundMedia } from './inbound-media';
import { StoreMediaOpener } from './media-opener';

/** How long one media upload or download to WhatsApp's media hosts may take. */
const MEDIA_TRANSFER_TIMEOUT_MS = 120_000;

/**
 * The agent for WhatsApp's media hosts when an extra CA is trusted (WA_MEDIA_CA_FILE: the simulator's
 * in development and tests), else undefined (Node's defaults). One TLS context for every connection:
 * an agent given `ca` builds a context per connection, parsing every root certificate again, which
 * costs each connection about a MiB and milliseconds of CPU: 50 uploads at once held 50 MiB of them.
 */
export function mediaHostAgent(caFile: string | undefined): Agent | undefined {
  if (!caFile) return undefined;
  const secureContext = createSecureContext({ ca: [...rootCertificates, readFileSync(caFile, 'utf8')] });
  return new Agent({ secureContext, keepAlive: true });
}

/** A worker's media: where sends read it from, where received media goes, the agent for WhatsApp's media hosts. */
export interface WorkerMedia {
  readonly opener: StoreMediaOpener;
  readonly inbound: InboundMedia;
  /** For the connector's uploads and downloads (trusts WA_MEDIA_CA_FILE too, when set). */
  readonly agent: Agent | undefined;
  /** The CAs that agent trusts (Node's roots and WA_MEDIA_CA_FILE), for the agents of sessions with a proxy. */
  readonly ca: readonly string[] | undefined;
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
  const ca = config.waMediaCaFile ? [...rootCertificates, readFileSync(config.waMediaCaFile, 'utf8')] : undefined;
  const agent = mediaHostAgent(config.waMediaCaFile);
  const inbound = new InboundMedia({
    store,
    redis,
    keys,
    logger,
    download: baileysDownloader(agent, MEDIA_TRANSFER_TIMEOUT_MS),
    downloaderFor: proxiedDownloads(
      new SessionStore(redis, keys),
      new SessionSecrets(config.sessionSecrets.key),
      new AddressGuard({ allow: config.proxyAllow }),
      ca,
    ),
    publicBaseUrl: settings.publicBaseUrl,
    urlTtlSeconds: settings.urlTtlSeconds,
    retryDelayMs: config.mediaRetryDelayMs,
    maxRetries: config.mediaRetryAttempts,
  });
  return {
    opener: new StoreMediaOpener(store, new SafeFetcher(fetcherOptions(settings))),
    inbound,
    agent,
    ca,
    store,
    async close() {
      inbound.stop();
      store.close();
      agent?.destroy();
      redis.disconnect();
    },
  };
}

/**
 * Media retries of a session with a proxy go through it, as its socket's downloads do, judged by the
 * same guard (PROXY_ALLOW): a refused proxy throws, and the retry fails rather than going direct.
 */
function proxiedDownloads(sessions: SessionStore, secrets: SessionSecrets, guard: AddressGuard, ca: readonly string[] | undefined) {
  return async (sessionId: string): Promise<{ download: MediaDownloader; release(): void } | undefined> => {
    const record = await sessions.get(sessionId);
    if (!record?.proxy) return undefined;
    const agent = createProxyAgent(secrets.open(record.proxy.sealed, sessionId), { guard, ...(ca ? { ca } : {}) });
    return { download: baileysDownloader(agent, MEDIA_TRANSFER_TIMEOUT_MS), release: () => agent.destroy() };
  };
}
