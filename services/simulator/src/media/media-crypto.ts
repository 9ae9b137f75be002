/**
 * WhatsApp's media encryption, both ways. A random 32-byte media key is expanded with HKDF-SHA256 (no
 * salt, info `WhatsApp <Image|Video|Audio|Document> Keys`) to 112 bytes: IV (16), AES-256 key (32), MAC
 * key (32); the rest is unused. The blob is AES-256-CBC (PKCS#7) of the plaintext followed by the first
 * 10 bytes of HMAC-SHA256(macKey, iv ‖ ciphertext). `fileEncSha256` is the SHA-256 of the whole blob,
 * `fileSha256` of the plaintext, `fileLength` the plaintext's length. Blobs are chunk lists, never joined.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** What a media message is, as the key derivation and the sent log name it. */
export const MEDIA_TYPES = ['image', 'video', 'audio', 'ptt', 'document', 'sticker'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

const HKDF_NAME: Record<MediaType, string> = {
  image: 'Image',
  sticker: 'Image',
  video: 'Video',
  audio: 'Audio',
  ptt: 'Audio',
  document: 'Document',
};

const MAC_LENGTH = 10;
const BLOCK = 16;

export interface MediaKeys {
  iv: Buffer;
  cipherKey: Buffer;
  macKey: Buffer;
}

export function mediaKeys(mediaKey: Uint8Array, type: MediaType): MediaKeys {
  const expanded = Buffer.from(hkdfSync('sha256', mediaKey, Buffer.alloc(0), `WhatsApp ${HKDF_NAME[type]} Keys`, 112));
  return { iv: expanded.subarray(0, 16), cipherKey: expanded.subarray(16, 48), macKey: expanded.subarray(48, 80) };
}

export interface EncryptedMedia {
  mediaKey: Buffer;
  /** ciphertext ‖ mac, as stored on the media host */
  blob: Buffer;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
  fileLength: number;
}

/** Encrypts `plain` with a fresh media key, as a WhatsApp client does before uploading. */
export function encryptMedia(plain: Buffer, type: MediaType): EncryptedMedia {
  const mediaKey = randomBytes(32);
  const { iv, cipherKey, macKey } = mediaKeys(mediaKey, type);
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, MAC_LENGTH);
  const blob = Buffer.concat([ciphertext, mac]);
  return {
    mediaKey,
    blob,
    fileSha256: createHash('sha256').update(plain).digest(),
    fileEncSha256: createHash('sha256').update(blob).digest(),
    fileLength: plain.length,
  };
}

/** What the message says about its blob; absent fields are not checked. */
export interface MediaClaims {
  mediaKey: Uint8Array;
  fileEncSha256?: Uint8Array | null;
  fileSha256?: Uint8Array | null;
  fileLength?: number | null;
}

export type MediaCheck = { verified: true; sha256: string; size: number } | { verified: false; error: string; sha256?: string; size?: number };

/**
 * Checks a blob as the recipient's phone does: its hash, its MAC, its padding, then the plaintext's hash
 * and length. `onPlain` sees each decrypted chunk (not called after a failed MAC).
 */
export function verifyMedia(chunks: readonly Buffer[], type: MediaType, claims: MediaClaims, onPlain?: (chunk: Buffer) => void): MediaCheck {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (total < MAC_LENGTH + BLOCK || (total - MAC_LENGTH) % BLOCK !== 0)
    return { verified: false, error: `blob length ${total} is not ciphertext + 10-byte mac` };
  const encHash = createHash('sha256');
  for (const chunk of chunks) encHash.update(chunk);
  if (claims.fileEncSha256 && !encHash.digest().equals(Buffer.from(claims.fileEncSha256)))
    return { verified: false, error: 'fileEncSha256 does not match the blob' };
  if (claims.mediaKey.length !== 32) return { verified: false, error: 'mediaKey is not 32 bytes' };
  const { iv, cipherKey, macKey } = mediaKeys(claims.mediaKey, type);
  const hmac = createHmac('sha256', macKey).update(iv);
  for (const part of ciphertextParts(chunks, total - MAC_LENGTH)) hmac.update(part);
  if (!hmac.digest().subarray(0, MAC_LENGTH).equals(tail(chunks, MAC_LENGTH)))
    return { verified: false, error: 'mac does not match (wrong media key or tampered blob)' };
  const plainHash = createHash('sha256');
  let size = 0;
  const take = (chunk: Buffer): void => {
    plainHash.update(chunk);
    size += chunk.length;
    onPlain?.(chunk);
  };
  try {
    const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv);
    for (const part of ciphertextParts(chunks, total - MAC_LENGTH)) take(decipher.update(part));
    take(decipher.final());
  } catch {
    return { verified: false, error: 'bad padding after decryption' };
  }
  const digest = plainHash.digest();
  const sha256 = digest.toString('hex');
  if (claims.fileSha256 && !digest.equals(Buffer.from(claims.fileSha256)))
    return { verified: false, error: 'fileSha256 does not match the plaintext', sha256, size };
  if (claims.fileLength !== undefined && claims.fileLength !== null && claims.fileLength !== size) {
    return { verified: false, error: `fileLength ${claims.fileLength} but the plaintext has ${size} bytes`, sha256, size };
  }
  return { verified: true, sha256, size };
}

/** The plaintext of a blob already verified, decrypted lazily chunk by chunk (for streaming it out). */
export function* decryptMediaChunks(chunks: readonly Buffer[], type: MediaType, mediaKey: Uint8Array): Generator<Buffer> {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const { iv, cipherKey } = mediaKeys(mediaKey, type);
  const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv);
  for (const part of ciphertextParts(chunks, total - MAC_LENGTH)) {
    const plain = decipher.update(part);
    if (plain.length) yield plain;
  }
  const last = decipher.final();
  if (last.length) yield last;
}

/** The chunks cut to their first `length` bytes (the ciphertext before the mac). */
function* ciphertextParts(chunks: readonly Buffer[], length: number): Generator<Buffer> {
  let left = length;
  for (const chunk of chunks) {
    if (left <= 0) return;
    const part = chunk.length <= left ? chunk : chunk.subarray(0, left);
    left -= part.length;
    yield part;
  }
}

function tail(chunks: readonly Buffer[], length: number): Buffer {
  const parts: Buffer[] = [];
  let left = length;
  for (let i = chunks.length - 1; i >= 0 && left > 0; i--) {
    const chunk = chunks[i]!;
    const part = chunk.length <= left ? chunk : chunk.subarray(chunk.length - left);
    parts.unshift(part);
    left -= part.length;
  }
  return Buffer.concat(parts);
}
