import { MEDIA_TYPES, type MediaType } from '@fleet/messages';
import { MediaTooLargeError, MediaTypeNotAllowedError } from './errors';

/** What a message can carry, as WhatsApp names it: one list, the message contents' (`@fleet/messages`). */
export { MEDIA_TYPES, type MediaType };

export interface MediaLimit {
  /** Largest accepted object, in bytes. */
  readonly maxBytes: number;
  /** Accepted mimetypes (without parameters); `*` takes any well-formed mimetype. */
  readonly mimetypes: readonly string[];
}

const MiB = 1024 * 1024;

/**
 * WhatsApp's limits per media type: the one table the ingress (refusing before anything is stored or
 * queued) and the worker (before it sends) read. Sizes are those WhatsApp clients enforce: 16 MB for
 * images, videos and audio, 100 MB for documents (WhatsApp's apps now take documents up to 2 GB; 100
 * MB is the limit of its Business API and what Fleet's media store is sized for), 500 KB for stickers
 * (WhatsApp asks 100 KB of a static sticker, 500 KB of an animated one; the store cannot tell them
 * apart without decoding the WebP, so it takes the larger). Voice notes are `audio/ogg` with the
 * `codecs=opus` parameter. Documented in docs/api.md (Media limits).
 */
export const MEDIA_LIMITS: Readonly<Record<MediaType, MediaLimit>> = Object.freeze({
  image: { maxBytes: 16 * MiB, mimetypes: ['image/jpeg', 'image/png', 'image/webp'] },
  video: { maxBytes: 16 * MiB, mimetypes: ['video/mp4', 'video/3gpp'] },
  audio: { maxBytes: 16 * MiB, mimetypes: ['audio/aac', 'audio/mp4', 'audio/mpeg', 'audio/amr', 'audio/ogg'] },
  document: { maxBytes: 100 * MiB, mimetypes: ['*'] },
  sticker: { maxBytes: 500 * 1024, mimetypes: ['image/webp'] },
});

/** The largest object any media type takes: the bound of an upload before its type is known. */
export const MAX_MEDIA_BYTES = Math.max(...Object.values(MEDIA_LIMITS).map((limit) => limit.maxBytes));

/** `type/subtype` with optional `; name=value` parameters (RFC 9110 tokens), nothing a header could break on. */
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+";
const MIMETYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\r\\n]*"))*$`);

export function isMediaType(value: unknown): value is MediaType {
  return typeof value === 'string' && (MEDIA_TYPES as readonly string[]).includes(value);
}

/** The mimetype without parameters, lower-cased: `Audio/OGG; codecs=opus` → `audio/ogg`. */
export function baseMimetype(mimetype: string): string {
  return mimetype.split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Checks a media type, its mimetype and (when known) its size against `MEDIA_LIMITS`; returns the
 * type's limit. Throws `MediaTypeNotAllowedError` (unknown type, malformed mimetype or one the type
 * does not take) or `MediaTooLargeError` (naming the limit).
 */
export function checkMedia(type: string, mimetype: string, size?: number): MediaLimit {
  if (!isMediaType(type)) throw new MediaTypeNotAllowedError(type, mimetype, MEDIA_TYPES);
  const limit = MEDIA_LIMITS[type];
  const base = baseMimetype(mimetype);
  if (!isWellFormedMimetype(mimetype) || !(limit.mimetypes.includes('*') || limit.mimetypes.includes(base))) {
    throw new MediaTypeNotAllowedError(type, mimetype, limit.mimetypes.includes('*') ? ['any type/subtype'] : limit.mimetypes);
  }
  if (size !== undefined && size > limit.maxBytes) throw new MediaTooLargeError(limit.maxBytes, type);
  return limit;
}

/** Whether `mimetype` is `type/subtype` with well-formed parameters (safe to put in a header). */
export function isWellFormedMimetype(mimetype: string): boolean {
  return mimetype.length <= 255 && MIMETYPE.test(mimetype.trim());
}
