import { pipeline, type Readable } from 'node:stream';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MediaTooLargeError } from '../errors';
import { ByteMeter } from '../streams/byte-meter';

export interface ObjectUpload {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly source: Readable;
  readonly maxBytes: number;
  /** What MediaTooLargeError names: the media type, or `media`. */
  readonly what: string;
  readonly partSizeBytes: number;
  readonly queueSize: number;
}

/**
 * Streams `source` into one S3 object (a multipart upload past one part), counting and hashing on the
 * way. Memory stays about `2 × partSizeBytes × queueSize` whatever the size (lib-storage keeps a
 * part's pieces beside their concatenation while the part goes out), and the next part is read only
 * when a part has gone out: a slow S3 slows the reading of `source`. Past `maxBytes`, or on any failure, the upload is aborted,
 * whatever was written is deleted, `source` is destroyed, and the error is thrown (MediaTooLargeError
 * for size).
 */
export async function uploadObject(input: ObjectUpload): Promise<{ size: number; sha256: string }> {
  const meter = new ByteMeter({ maxBytes: input.maxBytes, sha256: true, tooLarge: () => new MediaTooLargeError(input.maxBytes, input.what) });
  pipeline(input.source, meter, () => undefined);
  const upload = new Upload({
    client: input.client,
    params: { Bucket: input.bucket, Key: input.key, Body: meter, ContentType: input.contentType },
    partSize: input.partSizeBytes,
    queueSize: input.queueSize,
    leavePartsOnError: false,
  });
  try {
    await upload.done();
  } catch (error) {
    // The stream's own failure (too large, the client gone) is the cause; the upload may report
    // instead a failure of its abort (s3rver does not implement AbortMultipartUpload).
    const cause = meter.errored ?? error;
    input.source.destroy();
    meter.destroy();
    await deleteObject(input.client, input.bucket, input.key).catch(() => undefined);
    throw cause;
  }
  return { size: meter.bytes, sha256: meter.sha256 };
}

export async function deleteObject(client: S3Client, bucket: string, key: string): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
