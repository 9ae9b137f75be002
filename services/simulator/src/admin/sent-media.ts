/**
 * The plaintext of a media message an account sent, decrypted again from the media host's blob with the
 * key its message carried (only once the simulator verified it), streamed chunk by chunk.
 */
import { Readable } from 'node:stream';
import type { SimContext } from '../context';
import type { Account } from '../state/account';
import { MediaNotFoundError, MessageNotFoundError } from '../errors';
import { decryptMediaChunks } from '../media/media-crypto';

export interface SentMediaStream {
  stream: Readable;
  mimetype: string | null;
  size: number;
  /** hex SHA-256 of the plaintext */
  sha256: string;
}

export function openSentMedia(ctx: SimContext, account: Account, id: string): SentMediaStream {
  const ref = account.sentMedia.get(id);
  if (!ref) {
    const record = account.sent.get(id);
    if (!record) throw new MessageNotFoundError([id]);
    if (!record.media) throw new MediaNotFoundError(id, `a ${record.type} message has no media`);
    if (!record.media.verified) throw new MediaNotFoundError(id, `it did not verify (${record.media.error ?? 'unknown'})`);
    throw new MediaNotFoundError(id, 'forgotten (older than the sent log keeps)');
  }
  const blob = ctx.media.store.get(ref.blobId);
  if (!blob) throw new MediaNotFoundError(id, 'its blob was dropped from the media store');
  return { stream: Readable.from(decryptMediaChunks(blob.chunks, ref.type, ref.mediaKey)), mimetype: ref.mimetype, size: ref.size, sha256: ref.sha256 };
}

export async function readSentMedia(ctx: SimContext, account: Account, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of openSentMedia(ctx, account, id).stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
