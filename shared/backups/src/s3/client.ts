import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../settings';

/**
 * An S3 client for any S3-compatible store. Checksums are computed and validated only where the
 * API requires them: the SDK's default CRC32 trailers on streamed uploads are not understood by
 * every S3-compatible server (s3rver stores the chunk framing as object data), and we verify
 * every byte with our own sha256 anyway.
 */
export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    // A copy: the SDK tags the credentials object it is given, and config objects are frozen.
    credentials: settings.credentials ? { ...settings.credentials } : undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
