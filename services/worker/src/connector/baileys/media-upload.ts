import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getMediaKeys, type WASocket } from 'baileys';
import { MediaTooLargeError } from '@fleet/media';
import type { MediaContent, MediaType } from '@fleet/messages';

/** What an uploaded media message carries (imageMessage, documentMessage …). */
export interface UploadedMedia {
  readonly url: string;
  readonly directPath: string;
  readonly mediaKey: Buffer;
  readonly fileEncSha256: Buffer;
  readonly fileSha256: Buffer;
  readonly fileLength: number;
  readonly mimetype: string;
  readonly filename?: string;
}

/** A media content's bytes, as a stream, and what is known of them. */
export interface MediaStream {
  readonly stream: Readable;
  readonly mimetype: string;
  readonly filename?: string;
  /** The media fails (MEDIA_TOO_LARGE) past this many bytes. */
  readonly maxBytes: number;
}

/** Opens the source of a media content: the media store, or its URL (fetched safely). */
export interface MediaOpener {
  open(content: MediaContent): Promise<MediaStream>;
}

/** The Baileys media type: what decides the HKDF info and the upload path (a voice note is audio). */
function uploadTypeOf(type: MediaType): 'image' | 'video' | 'audio' | 'document' | 'sticker' {
  return type;
}

interface Encrypted {
  readonly file: string;
  readonly mediaKey: Buffer;
  readonly fileEncSha256: Buffer;
  readonly fileSha256: Buffer;
  readonly fileLength: number;
}

/**
 * Encrypts a media stream as WhatsApp does (AES-256-CBC with keys derived from a fresh media key, an
 * HMAC-SHA256 over iv ‖ ciphertext whose first 10 bytes follow the ciphertext) into a file, hashing on
 * the way: the upload URL names the encrypted file's SHA-256, so the whole of it must be known before
 * the upload starts, and a file keeps that off the heap (Baileys' own encryption holds it in memory).
 */
async function encryptToFile(source: Readable, type: MediaType, maxBytes: number, dir: string): Promise<Encrypted> {
  const mediaKey = randomBytes(32);
  const keys = await getMediaKeys(mediaKey, uploadTypeOf(type));
  const [iv, cipherKey, macKey] = [keys.iv, keys.cipherKey, keys.macKey].map((key) => Buffer.from(key as Uint8Array));
  const cipher = createCipheriv('aes-256-cbc', cipherKey!, iv!);
  const mac = createHmac('sha256', macKey!).update(iv!);
  const plainHash = createHash('sha256');
  const encHash = createHash('sha256');
  let fileLength = 0;
  const emit = (chunk: Buffer, push: (data: Buffer) => void): void => {
    if (chunk.length === 0) return;
    mac.update(chunk);
    encHash.update(chunk);
    push(chunk);
  };
  const encrypt = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      fileLength += chunk.length;
      if (fileLength > maxBytes) return done(new MediaTooLargeError(maxBytes, type));
      plainHash.update(chunk);
      emit(cipher.update(chunk), (data) => this.push(data));
      done();
    },
    flush(done) {
      emit(cipher.final(), (data) => this.push(data));
      const tag = mac.digest().subarray(0, 10);
      encHash.update(tag);
      this.push(tag);
      done();
    },
  });
  const file = path.join(dir, 'media.enc');
  await pipeline(source, encrypt, createWriteStream(file));
  return { file, mediaKey, fileEncSha256: encHash.digest(), fileSha256: plainHash.digest(), fileLength };
}

/**
 * Uploads a media content the way WhatsApp's clients do: opens its source, encrypts it into a
 * temporary file (memory stays bounded whatever the size), uploads the file to WhatsApp's media
 * host (Baileys' `waUploadToServer`: media_conn, then an HTTPS POST) and answers what the message
 * must carry. The temporary file is removed whatever happens.
 */
export async function uploadMedia(sock: WASocket, opener: MediaOpener, content: MediaContent, timeoutMs: number): Promise<UploadedMedia> {
  const source = await opener.open(content);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-media-'));
  try {
    const encrypted = await encryptToFile(source.stream, content.type, source.maxBytes, dir);
    const { mediaUrl, directPath } = await sock.waUploadToServer(createReadStream(encrypted.file), {
      mediaType: uploadTypeOf(content.type),
      fileEncSha256B64: encrypted.fileEncSha256.toString('base64'),
      timeoutMs,
    });
    return {
      url: mediaUrl,
      directPath,
      mediaKey: encrypted.mediaKey,
      fileEncSha256: encrypted.fileEncSha256,
      fileSha256: encrypted.fileSha256,
      fileLength: encrypted.fileLength,
      mimetype: content.mimetype ?? source.mimetype,
      ...(source.filename ? { filename: source.filename } : {}),
    };
  } finally {
    source.stream.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
