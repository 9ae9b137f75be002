/**
 * The recipient's phone downloading a media message an account sent: the blob its URL (or direct path)
 * names is fetched from the simulator's own media host and checked (hash, mac, padding, plaintext hash and
 * length, with keys derived from the message's media key). The outcome goes on the sent log; a verified
 * blob is remembered with its key so the plaintext can be served again (`sentMedia`).
 */
import type { SimContext } from '../context';
import type { SentMedia } from '../state/message-fields';
import type { MediaContent } from '../protocol/message-summary';
import { verifyMedia, type MediaType } from './media-crypto';

/** Where a verified sent blob lives and how to decrypt it again. */
export interface MediaRef {
  blobId: string;
  type: MediaType;
  mediaKey: Buffer;
  mimetype: string | null;
  sha256: string;
  size: number;
}

export function verifySentMedia(ctx: SimContext, content: MediaContent): { media: SentMedia; ref?: MediaRef } {
  const media: SentMedia = {
    type: content.type,
    mimetype: content.mimetype ?? null,
    size: content.fileLength ?? null,
    sha256: null,
    verified: false,
    ...(content.fileName === undefined ? {} : { fileName: content.fileName }),
    ...(content.caption === undefined ? {} : { caption: content.caption }),
    ...(content.seconds === undefined ? {} : { seconds: content.seconds }),
  };
  const blob = ctx.media.store.fromUrl(content.url) ?? ctx.media.store.fromUrl(content.directPath);
  const missing = (['mediaKey', 'fileEncSha256', 'fileSha256'] as const).filter((field) => !content[field]?.length);
  if (missing.length) return { media: { ...media, error: `the message has no ${missing.join(', ')}` } };
  if (!blob)
    return {
      media: {
        ...media,
        error: content.url || content.directPath ? 'the url names no blob on the media host (never uploaded, or dropped)' : 'the message has no url',
      },
    };
  const mediaKey = Buffer.from(content.mediaKey ?? []);
  const check = verifyMedia(blob.chunks, content.type, {
    mediaKey,
    fileEncSha256: content.fileEncSha256 ?? null,
    fileSha256: content.fileSha256 ?? null,
    fileLength: content.fileLength ?? null,
  });
  if (check.sha256 !== undefined) media.sha256 = check.sha256;
  if (check.size !== undefined) media.size = check.size;
  if (!check.verified) return { media: { ...media, error: check.error } };
  media.verified = true;
  return {
    media,
    ref: { blobId: blob.id, type: content.type, mediaKey, mimetype: media.mimetype, sha256: check.sha256, size: check.size },
  };
}
