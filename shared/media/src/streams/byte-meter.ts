import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface ByteMeterOptions {
  /** Past this many bytes the stream fails with `tooLarge()`; the chunk that crosses it is not passed on. */
  readonly maxBytes: number;
  readonly tooLarge: () => Error;
  /** Compute the sha256 of what passes. Default false. */
  readonly sha256?: boolean;
}

/**
 * Passes bytes through, counting them (and hashing them) on the way, and fails once they exceed a
 * limit: a body is measured and bounded as it streams, whether or not its length was announced.
 */
export class ByteMeter extends Transform {
  private count = 0;
  private readonly hash: Hash | undefined;
  private digest: string | undefined;

  constructor(private readonly options: ByteMeterOptions) {
    super();
    this.hash = options.sha256 ? createHash('sha256') : undefined;
  }

  /** Bytes passed so far. */
  get bytes(): number {
    return this.count;
  }

  /** Hex sha256 of everything passed; only once the stream has ended. */
  get sha256(): string {
    if (this.digest === undefined) throw new Error('sha256 is known once the stream has ended (and only with sha256: true)');
    return this.digest;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.options.maxBytes) {
      callback(this.options.tooLarge());
      return;
    }
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.hash) this.digest = this.hash.digest('hex');
    callback();
  }
}
