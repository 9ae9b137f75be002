import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { getMediaKeys } from 'baileys';
import { decryptMediaChunks, encryptMedia, mediaKeys, verifyMedia } from '../src/media/media-crypto';
import { MediaStore, blobIdOf, directPathOf } from '../src/media/media-store';

/** Cuts a buffer into chunks of uneven sizes, as a streamed upload arrives. */
function chunked(buffer: Buffer, sizes = [1, 7, 16, 100, 4093]): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0, i = 0; offset < buffer.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(buffer.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

describe('media crypto (WhatsApp media encryption)', () => {
  it('derives the same keys as Baileys for every media type', async () => {
    const mediaKey = randomBytes(32);
    for (const type of ['image', 'video', 'audio', 'document', 'sticker', 'ptt'] as const) {
      const ours = mediaKeys(mediaKey, type);
      const theirs = await getMediaKeys(mediaKey, type);
      expect(ours.iv.equals(theirs.iv!), type).to.equal(true);
      expect(ours.cipherKey.equals(theirs.cipherKey!), type).to.equal(true);
      expect(ours.macKey.equals(theirs.macKey!), type).to.equal(true);
    }
  });

  it('verifies and decrypts what it encrypted, however the blob is chunked', () => {
    const plain = randomBytes(20_011);
    const encrypted = encryptMedia(plain, 'document');
    expect(encrypted.fileSha256.equals(createHash('sha256').update(plain).digest())).to.equal(true);
    const seen: Buffer[] = [];
    const check = verifyMedia(chunked(encrypted.blob), 'document', { ...encrypted }, (chunk) => seen.push(chunk));
    expect(check).to.deep.equal({ verified: true, sha256: encrypted.fileSha256.toString('hex'), size: plain.length });
    expect(Buffer.concat(seen).equals(plain)).to.equal(true);
    expect(Buffer.concat([...decryptMediaChunks(chunked(encrypted.blob), 'document', encrypted.mediaKey)]).equals(plain)).to.equal(true);
  });

  it('reports a tampered blob, a wrong key, a wrong type and a wrong length, each by name', () => {
    const encrypted = encryptMedia(randomBytes(1000), 'image');
    const tampered = Buffer.from(encrypted.blob);
    tampered[500] = tampered[500]! ^ 1;
    const errorOf = (check: ReturnType<typeof verifyMedia>): string => (check.verified ? 'verified' : check.error);
    expect(errorOf(verifyMedia([tampered], 'image', { mediaKey: encrypted.mediaKey }))).to.match(/^mac does not match/);
    expect(errorOf(verifyMedia([tampered], 'image', { ...encrypted }))).to.equal('fileEncSha256 does not match the blob');
    expect(errorOf(verifyMedia([encrypted.blob], 'image', { ...encrypted, mediaKey: randomBytes(32) }))).to.match(/^mac does not match/);
    expect(errorOf(verifyMedia([encrypted.blob], 'video', { ...encrypted }))).to.match(/^mac does not match/);
    const wrongLength = verifyMedia([encrypted.blob], 'image', { ...encrypted, fileLength: 999 });
    expect(wrongLength).to.deep.include({ verified: false, error: 'fileLength 999 but the plaintext has 1000 bytes' });
    expect(verifyMedia([encrypted.blob.subarray(0, 20)], 'image', { mediaKey: encrypted.mediaKey }).verified).to.equal(false);
  });
});

describe('media store', () => {
  const blob = (id: string, size: number) => ({ id, uploadType: 'image', chunks: [Buffer.alloc(size)], size, fileEncSha256: '', createdAt: Date.now() });

  it('drops the least recently used blobs to stay under its byte limit', () => {
    const store = new MediaStore(100);
    store.put(blob('a'.repeat(32), 40));
    store.put(blob('b'.repeat(32), 40));
    store.get('a'.repeat(32));
    store.put(blob('c'.repeat(32), 40));
    expect(store.get('b'.repeat(32))).to.equal(undefined);
    expect(store.get('a'.repeat(32))).to.not.equal(undefined);
    expect(store.stats()).to.deep.equal({ blobs: 2, bytes: 80, evicted: 1 });
  });

  it('finds a blob from its full URL or its direct path, and nothing from other URLs', () => {
    const store = new MediaStore(1000);
    const id = store.newId();
    store.put(blob(id, 10));
    const directPath = directPathOf(id, 'token');
    expect(store.fromUrl(`https://127.0.0.1:9/${directPath.slice(1)}&mms3=true`)?.id).to.equal(id);
    expect(store.fromUrl(directPath)?.id).to.equal(id);
    expect(blobIdOf('https://mmg.whatsapp.net/d/f/AbC.enc')).to.equal(undefined);
    expect(blobIdOf('not a url at all ::')).to.equal(undefined);
  });
});
