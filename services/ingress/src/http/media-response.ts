import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { baseMimetype, MEDIA_LIMITS, type MediaRecord } from '@fleet/media';

/** Mimetypes a browser may show in place (what WhatsApp takes as image, video, audio, sticker); others download. */
const INLINE = new Set(Object.values(MEDIA_LIMITS).flatMap((limit) => limit.mimetypes.filter((type) => type !== '*')));

/** `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf` (RFC 6266). */
export function contentDisposition(record: MediaRecord): string {
  const name = record.filename ?? record.id;
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const disposition = INLINE.has(baseMimetype(record.mimetype)) ? 'inline' : 'attachment';
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Answers with a media object as it streams from S3: its type, length, file name, and headers that
 * keep a browser from running what it holds (documents take any mimetype). A HEAD gets the headers
 * only; a client that goes away stops the download from S3.
 */
export function mediaResponse(c: Context, record: MediaRecord, stream: Readable): Response {
  c.header('Content-Type', record.mimetype);
  c.header('Content-Length', String(record.size));
  c.header('Content-Disposition', contentDisposition(record));
  c.header('ETag', `"${record.sha256}"`);
  c.header('Cache-Control', 'private, max-age=3600');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Content-Security-Policy', "default-src 'none'; sandbox");
  if (c.req.method === 'HEAD') {
    stream.destroy();
    return c.body(null, 200);
  }
  return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>, 200);
}
