import { baseMimetype, checkMedia, MEDIA_LIMITS, type MediaStore, type SafeFetcher } from '@fleet/media';
import type { MediaContent } from '@fleet/messages';
import type { MediaOpener, MediaStream } from '../connector/baileys';

/**
 * Where a message's media comes from when it is sent: the media store (an upload, or inline media
 * the ingress stored), or its URL, fetched now through the SSRF-safe fetcher with the type's size
 * limit and the fetcher's time limit. Either way the bytes stream; nothing is held whole.
 */
export class StoreMediaOpener implements MediaOpener {
  constructor(
    private readonly store: MediaStore,
    private readonly fetcher: SafeFetcher,
  ) {}

  async open(content: MediaContent): Promise<MediaStream> {
    const limit = MEDIA_LIMITS[content.type];
    if ('mediaId' in content.media) {
      const { record, stream } = await this.store.open(content.media.mediaId);
      const mimetype = content.mimetype ?? record.mimetype;
      checkMedia(content.type, mimetype, record.size);
      return { stream, mimetype, maxBytes: limit.maxBytes, ...(record.filename ? { filename: record.filename } : {}) };
    }
    const body = await this.fetcher.open(content.media.url, { maxBytes: limit.maxBytes });
    const mimetype = content.mimetype ?? baseMimetype(body.contentType || 'application/octet-stream');
    try {
      checkMedia(content.type, mimetype, body.contentLength);
    } catch (error) {
      body.stream.destroy();
      throw error;
    }
    return { stream: body.stream, mimetype, maxBytes: limit.maxBytes };
  }
}
