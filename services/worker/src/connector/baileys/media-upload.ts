import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Agent } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getMediaKeys, type WASocket } from 'baileys';
import { MediaTooLargeError } from '@fleet/media';
import type { MediaContent, MediaType } from '@fleet/messages';
import { postToMediaHost, type MediaConnSource } from './media-host';

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
  /** Bytes of the encrypted file (ciphertext and MAC). */
  readonly encLength: number;
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
  let encLength = 0;
  const emit = (chunk: Buffer, push: (data: Buffer) => void): void => {
    if (chunk.length === 0) return;
    encLength += chunk.length;
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
      encLength += tag.length;
      this.push(tag);
      done();
    },
  });
  const file = path.join(dir, 'media.enc');
  await pipeline(source, encrypt, createWriteStream(file));
  return { file, mediaKey, fileEncSha256: encHash.digest(), fileSha256: plainHash.digest(), fileLength, encLength };
}

/** How uploads reach WhatsApp's media hosts. */
export interface MediaTransfer {
  readonly timeoutMs: number;
  /** Agent for the media hosts (trusting WA_MEDIA_CA_FILE too, when set); Node's by default. */
  readonly agent?: Agent;
}

/**
 * Uploads a media content the way WhatsApp's clients do: opens its source, encrypts it into a
 * temporary file, posts the file to WhatsApp's media host (`media_conn` from the socket, then an
 * HTTPS POST streamed from the file: `postToMediaHost`) and answers what the message must carry.
 * Memory stays a few stream buffers whatever the size. The temporary file is removed whatever happens.
 */
export async function uploadMedia(
  sock: Pick<WASocket, 'refreshMediaConn'>,
  opener: MediaOpener,
  content: MediaContent,
  transfer: MediaTransfer,
): Promise<UploadedMedia> {
  const source = await opener.open(content);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-media-'));
  try {
    const encrypted = await encryptToFile(source.stream, content.type, source.maxBytes, dir);
    const mediaConn: MediaConnSource = (force) => sock.refreshMediaConn(force);
    const { mediaUrl, directPath } = await postToMediaHost(mediaConn, {
      file: encrypted.file,
      size: encrypted.encLength,
      mediaType: uploadTypeOf(content.type),
      fileEncSha256: encrypted.fileEncSha256,
      timeoutMs: transfer.timeoutMs,
      ...(transfer.agent ? { agent: transfer.agent } : {}),
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
