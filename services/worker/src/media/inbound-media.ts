import type { MediaData } from '@fleet/events';
import type { Keys } from '@fleet/keys';
import type { Logger } from '@fleet/logger';
import { MEDIA_LIMITS, type MediaRecord, type MediaStore } from '@fleet/media';
import type { SessionRecord } from '@fleet/state';
import type { Redis } from 'ioredis';
import type { MediaDownloader } from '../connector/baileys';
import type { IncomingMedia, MediaKind, MediaSource } from '../connector/types';
import type { InboundMediaStore } from '../sessions/inbound-lane';
import type { SessionEvents } from '../sessions/session-events';

type Session = Pick<SessionRecord, 'sessionId' | 'workspaceId' | 'accountId'>;

export interface InboundMediaOptions {
  readonly store: MediaStore;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** Downloads a media object again from where WhatsApp keeps it (retries run without the socket). */
  readonly download: MediaDownloader;
  /**
   * The downloader of one session's retries when it differs from `download` (its proxy), with what
   * to release after; undefined: `download`.
   */
  readonly downloaderFor?: (sessionId: string) => Promise<{ readonly download: MediaDownloader; release(): void } | undefined>;
  /** Base of signed links in events (the ingress's public URL); none: events carry no link. */
  readonly publicBaseUrl: string | undefined;
  readonly urlTtlSeconds: number;
  /** A first download longer than this is given up (then retried in the background). Default 60 s. */
  readonly downloadTimeoutMs?: number;
  /** Downloads tried in the background before the media stays unavailable. Default 6. */
  readonly maxRetries?: number;
  /** Delay before the first retry, doubled each time. Default 60 s. */
  readonly retryDelayMs?: number;
}

/** What a retry needs (kept in Redis with the media's id as long as retries last). */
interface RetryItem {
  readonly session: Session;
  readonly messageId: string;
  readonly type: MediaKind;
  readonly sha256: string;
  readonly size: number;
  readonly voice?: boolean;
  readonly source: MediaSource;
  readonly attempts: number;
}

/**
 * Received media into the media store: downloaded and decrypted (Baileys), checked against the
 * sender's SHA-256 and its type's size limit, streamed into S3. A failed download leaves the media
 * `unavailable` in the event and is retried in the background with a growing delay; once stored, a
 * `message.media_available` event says so. Retries survive the worker (they are in Redis) and need no
 * socket (the media key and WhatsApp's path are enough).
 */
export class InboundMedia implements InboundMediaStore {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private events: SessionEvents | undefined;

  constructor(private readonly options: InboundMediaOptions) {}

  /** Starts the background retries; `events` announces media stored on a retry. */
  start(events: SessionEvents, everyMs = Math.min(15_000, this.options.retryDelayMs ?? 60_000)): void {
    this.events = events;
    this.timer = setInterval(() => void this.retryDue(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async store(session: Session, messageId: string, media: IncomingMedia): Promise<MediaData> {
    const { store } = this.options;
    const reserved = await store.reserve({
      workspaceId: session.workspaceId,
      kind: 'inbound',
      type: media.type,
      mimetype: media.mimetype,
      ...(media.filename ? { filename: media.filename } : {}),
    });
    try {
      const record = await this.fetchInto(reserved.id, media.type, media.sha256, () => media.download());
      return this.dataOf(record, media);
    } catch (error) {
      this.options.logger.warn('received media could not be stored; retried later', { mediaId: reserved.id, error });
      const unavailable = (await store.markUnavailable(reserved.id, describe(error))) ?? reserved;
      await this.scheduleRetry(reserved.id, {
        session,
        messageId,
        type: media.type,
        sha256: media.sha256,
        size: media.size,
        ...(media.voice ? { voice: true } : {}),
        source: media.source,
        attempts: 0,
      });
      return this.dataOf(unavailable, media);
    }
  }

  /** Tries the retries that are due (one worker at a time takes each); announces what got stored. */
  async retryDue(now = Date.now()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let stored = 0;
    try {
      const { redis, keys } = this.options;
      for (const mediaId of await redis.zrangebyscore(keys.mediaRetries, '-inf', now, 'LIMIT', 0, 10)) {
        if ((await redis.zrem(keys.mediaRetries, mediaId)) !== 1) continue; // another worker took it
        const raw = await redis.get(keys.mediaRetry(mediaId));
        if (!raw) continue;
        if (await this.retryOne(mediaId, JSON.parse(raw) as RetryItem)) stored += 1;
      }
    } catch (error) {
      this.options.logger.warn('media retries failed; tried again later', { error });
    } finally {
      this.running = false;
    }
    return stored;
  }

  private async retryOne(mediaId: string, item: RetryItem): Promise<boolean> {
    const { redis, keys, store } = this.options;
    let own: { download: MediaDownloader; release(): void } | undefined;
    try {
      // A session with a proxy downloads through it, also here; one whose proxy cannot be opened does not download.
      own = await this.options.downloaderFor?.(item.session.sessionId);
      const download = own?.download ?? this.options.download;
      const source = { mediaKey: Buffer.from(item.source.mediaKey, 'base64'), directPath: item.source.directPath ?? null, url: item.source.url ?? null };
      const record = await this.fetchInto(mediaId, item.type, item.sha256, () => download(source, item.type));
      await redis.del(keys.mediaRetry(mediaId));
      await this.events?.mediaAvailable(item.session, item.messageId, this.dataOf(record, item));
      return true;
    } catch (error) {
      await store.markUnavailable(mediaId, describe(error));
      if (item.attempts + 1 >= (this.options.maxRetries ?? 6)) {
        this.options.logger.warn('received media stays unavailable after its retries', { mediaId, error });
        await redis.del(keys.mediaRetry(mediaId));
      } else {
        await this.scheduleRetry(mediaId, { ...item, attempts: item.attempts + 1 });
      }
      return false;
    } finally {
      own?.release();
    }
  }

  private async fetchInto(mediaId: string, type: MediaKind, sha256: string, open: () => Promise<NodeJS.ReadableStream>): Promise<MediaRecord> {
    const timeoutMs = this.options.downloadTimeoutMs ?? 60_000;
    const stream = (await open()) as import('node:stream').Readable;
    const timer = setTimeout(() => stream.destroy(new Error(`download took longer than ${timeoutMs} ms`)), timeoutMs);
    try {
      return await this.options.store.complete(mediaId, {
        source: stream,
        maxBytes: MEDIA_LIMITS[type].maxBytes,
        ...(sha256 ? { expectedSha256: sha256 } : {}),
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private async scheduleRetry(mediaId: string, item: RetryItem): Promise<void> {
    const { redis, keys } = this.options;
    const delay = (this.options.retryDelayMs ?? 60_000) * 2 ** item.attempts;
    await redis
      .multi()
      .set(keys.mediaRetry(mediaId), JSON.stringify(item), 'PX', delay + 24 * 3_600_000)
      .zadd(keys.mediaRetries, Date.now() + delay, mediaId)
      .exec();
  }

  /**
   * What an event says of stored media (a signed link when the fleet's public URL is known); for media
   * not stored yet, the size and SHA-256 its sender declared.
   */
  private dataOf(record: MediaRecord, declared: { readonly size?: number; readonly sha256: string; readonly voice?: boolean }): MediaData {
    const available = record.status === 'available';
    const voice = declared.voice;
    const link =
      available && this.options.publicBaseUrl ? this.options.store.signedUrl(record.id, this.options.publicBaseUrl, this.options.urlTtlSeconds) : undefined;
    return {
      id: record.id,
      type: record.type ?? 'document',
      mimetype: record.mimetype,
      size: available ? record.size : (declared.size ?? 0),
      sha256: available ? record.sha256 : declared.sha256,
      ...(record.filename ? { filename: record.filename } : {}),
      ...(voice ? { voice: true } : {}),
      status: available ? 'available' : 'unavailable',
      url: link?.url ?? null,
      url_expires_at: link?.expiresAt ?? null,
    };
  }
}

function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 200);
}
