import { Readable } from 'node:stream';
import { baseMimetype, checkMedia, MediaNotAvailableError, MediaNotFoundError, MEDIA_LIMITS, type MediaStore, type SafeFetcher } from '@fleet/media';
import type { MediaType } from '@fleet/messages';
import type { MediaGateway } from './message-content';

/**
 * The send route's media checks on the media store and the SSRF-safe fetcher: a stored object must
 * be the workspace's, available and fit for the type; a URL must pass the fetcher's guard and answer
 * with a size and type the type takes; inline bytes are checked, then stored like an upload.
 */
export function mediaGateway(store: MediaStore, fetcher: SafeFetcher): MediaGateway {
  return {
    async stored(workspaceId, mediaId, type) {
      const record = await store.get(mediaId);
      if (!record || record.workspaceId !== workspaceId) throw new MediaNotFoundError(mediaId);
      if (record.status !== 'available') throw new MediaNotAvailableError(mediaId, record.status);
      checkMedia(type, record.mimetype, record.size);
      return { mimetype: record.mimetype, ...(record.filename ? { filename: record.filename } : {}) };
    },
    async checkUrl(url, type, mimetype) {
      const limit = MEDIA_LIMITS[type];
      const head = await fetcher.preflight(url, { maxBytes: limit.maxBytes });
      const declared = mimetype ?? (head.contentType ? baseMimetype(head.contentType) : undefined);
      // A type the server does not say is checked when the worker fetches it (then the send fails).
      if (declared) checkMedia(type, declared, head.contentLength);
      else if (head.contentLength !== undefined && head.contentLength > limit.maxBytes) checkMedia(type, 'application/octet-stream', head.contentLength);
      return declared ? { mimetype: declared } : {};
    },
    async putInline(workspaceId, type: MediaType, bytes, mimetype, filename) {
      const limit = checkMedia(type, mimetype, bytes.length);
      const record = await store.put({
        workspaceId,
        kind: 'upload',
        type,
        mimetype,
        ...(filename ? { filename } : {}),
        source: Readable.from([bytes]),
        maxBytes: limit.maxBytes,
      });
      return { mediaId: record.id, mimetype: record.mimetype };
    },
  };
}
