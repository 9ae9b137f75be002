import type { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { InvalidIdError, isValidWorkspaceId } from '@fleet/errors';
import type { Keys } from '@fleet/keys';
import { MediaHashMismatchError, MediaNotAvailableError, MediaNotFoundError } from '../errors';
import { isMediaId, newMediaId } from '../ids';
import { isWellFormedMimetype, type MediaType } from '../limits';
import { safeFilename } from './filename';
import { deleteObject, uploadObject } from './object-upload';
import { parseRecord, recordFields, type MediaKind, type MediaRecord } from './records';
import { MEDIA_SCRIPTS } from './scripts';
import { UrlSigner } from './url-signer';

export interface MediaStoreOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly s3: S3Client;
  readonly bucket: string;
  /** Prefix of every object key, empty or ending in `/`; objects are `<prefix>media/<workspace>/<id>`. */
  readonly prefix: string;
  /** Secret of signed links (at least 16 characters). */
  readonly signingSecret: string;
  /** How long a record and its object are kept after creation. Default 30 days. */
  readonly retentionSeconds?: number;
  /** Multipart part size; one upload holds about two parts in memory. Default 5 MiB (S3's smallest). */
  readonly partSizeBytes?: number;
  /** Parts of one object uploaded at once. Default 1. */
  readonly queueSize?: number;
  /** Expired objects one `sweep` call deletes at most. Default 100. */
  readonly sweepBatch?: number;
  /** When a sweep's delete failed, how long until that object is tried again. Default 5 minutes. */
  readonly sweepRetryMs?: number;
}

export const MEDIA_STORE_DEFAULTS = {
  retentionSeconds: 30 * 24 * 3600,
  partSizeBytes: 5 * 1024 * 1024,
  queueSize: 1,
  sweepBatch: 100,
  sweepRetryMs: 5 * 60_000,
} as const;

interface Described {
  readonly workspaceId: number;
  readonly kind: MediaKind;
  readonly type?: MediaType;
  readonly mimetype: string;
  readonly filename?: string;
}

export interface PutInput extends Described {
  readonly source: Readable;
  /** Past this many bytes the upload is aborted and MediaTooLargeError thrown. */
  readonly maxBytes: number;
  /** When given, bytes with another sha256 (hex) are not kept: MediaHashMismatchError. */
  readonly expectedSha256?: string;
}

export type ReserveInput = Described;

export interface CompleteInput {
  readonly source: Readable;
  readonly maxBytes: number;
  readonly expectedSha256?: string;
}

export interface SweepResult {
  readonly deleted: number;
  readonly failed: number;
  /** The first failure, for the caller's log. */
  readonly error?: unknown;
}

/**
 * Media objects: bytes in S3 (`<prefix>media/<workspace>/<id>`), a record in Redis that expires with
 * the retention, an expiry index from which `sweep` deletes the objects of expired records. Uploads
 * stream (about two 5 MiB parts in memory each, whatever the size); nothing partial is kept when one
 * fails or is too large.
 */
export class MediaStore {
  readonly bucket: string;
  readonly retentionSeconds: number;
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly s3: S3Client;
  private readonly prefix: string;
  private readonly signer: UrlSigner;
  private readonly tuning: { partSizeBytes: number; queueSize: number; sweepBatch: number; sweepRetryMs: number };

  constructor(options: MediaStoreOptions) {
    const d = MEDIA_STORE_DEFAULTS;
    this.redis = options.redis;
    this.keys = options.keys;
    this.s3 = options.s3;
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.signer = new UrlSigner(options.signingSecret);
    this.retentionSeconds = options.retentionSeconds ?? d.retentionSeconds;
    this.tuning = {
      partSizeBytes: options.partSizeBytes ?? d.partSizeBytes,
      queueSize: options.queueSize ?? d.queueSize,
      sweepBatch: options.sweepBatch ?? d.sweepBatch,
      sweepRetryMs: options.sweepRetryMs ?? d.sweepRetryMs,
    };
  }

  objectKey(workspaceId: number, mediaId: string): string {
    return `${this.prefix}media/${workspaceId}/${mediaId}`;
  }

  /** Streams `source` into a new object and records it `available`; on any failure `source` is destroyed and nothing kept. */
  async put(input: PutInput): Promise<MediaRecord> {
    const record = this.newRecord(input, 'available');
    const member = `${record.workspaceId}/${record.id}`;
    let uploaded = false;
    try {
      // Indexed before a byte is written: an object left by a crash mid-way is still swept at expiry.
      await this.redis.zadd(this.keys.mediaExpiry, record.expiresAt, member);
      const stored = await this.upload(record, input);
      uploaded = true;
      const saved = { ...record, ...stored };
      await MEDIA_SCRIPTS.save.run(this.redis, { keys: this.keys, id: record.id, member, expiresAt: record.expiresAt, fields: recordFields(saved) });
      return saved;
    } catch (error) {
      input.source.destroy();
      // A failed upload left nothing; a stored object whose record could not be written goes now,
      // or, failing that, with the sweep (its index entry stays).
      const gone =
        !uploaded ||
        (await deleteObject(this.s3, this.bucket, this.objectKey(record.workspaceId, record.id)).then(
          () => true,
          () => false,
        ));
      if (gone) await this.redis.zrem(this.keys.mediaExpiry, member).catch(() => undefined);
      throw error;
    }
  }

  /** Records media whose content comes later (`complete`), or never (`markUnavailable`): `pending`. */
  async reserve(input: ReserveInput): Promise<MediaRecord> {
    const record = this.newRecord(input, 'pending');
    const member = `${record.workspaceId}/${record.id}`;
    await MEDIA_SCRIPTS.save.run(this.redis, { keys: this.keys, id: record.id, member, expiresAt: record.expiresAt, fields: recordFields(record) });
    return record;
  }

  /** Stores the content of a pending or unavailable record; an available one is returned as it is. */
  async complete(mediaId: string, input: CompleteInput): Promise<MediaRecord> {
    const record = await this.get(mediaId);
    if (!record || record.status === 'available') {
      input.source.destroy();
      if (!record) throw new MediaNotFoundError(mediaId);
      return record;
    }
    const stored = await this.upload(record, input);
    const outcome = await MEDIA_SCRIPTS.complete.run(this.redis, { keys: this.keys, id: mediaId, ...stored });
    if (outcome === 0) {
      await deleteObject(this.s3, this.bucket, this.objectKey(record.workspaceId, mediaId)).catch(() => undefined);
      throw new MediaNotFoundError(mediaId);
    }
    return { ...record, ...stored, status: 'available', error: undefined };
  }

  /** A pending (or unavailable) record's download failed; undefined when the record is gone. */
  async markUnavailable(mediaId: string, reason: string): Promise<MediaRecord | undefined> {
    if (!isMediaId(mediaId)) return undefined;
    const outcome = await MEDIA_SCRIPTS.unavailable.run(this.redis, { keys: this.keys, id: mediaId, reason: reason.slice(0, 200) });
    return outcome === 0 ? undefined : this.get(mediaId);
  }

  /** The record, or undefined (malformed id, unknown, expired). */
  async get(mediaId: string): Promise<MediaRecord | undefined> {
    if (!isMediaId(mediaId)) return undefined;
    return parseRecord(await this.redis.hgetall(this.keys.media(mediaId)));
  }

  /** The record and its bytes; MediaNotFoundError or MediaNotAvailableError otherwise. */
  async open(mediaId: string): Promise<{ record: MediaRecord; stream: Readable }> {
    const record = await this.get(mediaId);
    if (!record) throw new MediaNotFoundError(mediaId);
    if (record.status !== 'available') throw new MediaNotAvailableError(mediaId, record.status);
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(record.workspaceId, mediaId) }));
      return { record, stream: response.Body as Readable };
    } catch (error) {
      if (isNotFound(error)) throw new MediaNotFoundError(mediaId);
      throw error;
    }
  }

  /** Deletes the object and the record; false when there was no record. */
  async remove(mediaId: string): Promise<boolean> {
    const record = await this.get(mediaId);
    if (!record) return false;
    await this.forget(record.workspaceId, mediaId);
    return true;
  }

  signedUrl(mediaId: string, baseUrl: string, ttlSeconds: number): { url: string; expiresAt: number } {
    return this.signer.signedUrl(mediaId, baseUrl, ttlSeconds);
  }

  verify(mediaId: string, expires: string, signature: string, now = Date.now()): 'valid' | 'invalid' | 'expired' {
    return this.signer.verify(mediaId, expires, signature, now);
  }

  /** Deletes up to `sweepBatch` objects whose expiry is past `now` (ms), with their records. */
  async sweep(now = Date.now()): Promise<SweepResult> {
    const claimed = await MEDIA_SCRIPTS.claimExpired.run(this.redis, {
      keys: this.keys,
      now,
      limit: this.tuning.sweepBatch,
      retryAt: now + this.tuning.sweepRetryMs,
    });
    let deleted = 0;
    let failed = 0;
    let firstError: unknown;
    for (const member of claimed) {
      const [workspace, mediaId] = member.split('/');
      try {
        await this.forget(Number(workspace), mediaId ?? '');
        deleted += 1;
      } catch (error) {
        failed += 1;
        firstError ??= error;
      }
    }
    return firstError === undefined ? { deleted, failed } : { deleted, failed, error: firstError };
  }

  /** Closes the S3 client's connections (the client it was given); safe to call twice. */
  close(): void {
    this.s3.destroy();
  }

  /** Creates the bucket when it does not exist (local and test stores). */
  async ensureBucket(): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  private async forget(workspaceId: number, mediaId: string): Promise<void> {
    await deleteObject(this.s3, this.bucket, this.objectKey(workspaceId, mediaId));
    await MEDIA_SCRIPTS.forget.run(this.redis, { keys: this.keys, id: mediaId, member: `${workspaceId}/${mediaId}` });
  }

  private newRecord(input: Described, status: 'available' | 'pending'): MediaRecord {
    if (!isValidWorkspaceId(input.workspaceId)) throw new InvalidIdError('workspace_id', input.workspaceId);
    if (!isWellFormedMimetype(input.mimetype)) throw new TypeError(`not a mimetype: ${JSON.stringify(input.mimetype.slice(0, 100))}`);
    const createdAt = Date.now();
    return {
      id: newMediaId(),
      workspaceId: input.workspaceId,
      kind: input.kind,
      type: input.type,
      mimetype: input.mimetype.trim(),
      size: 0,
      sha256: '',
      filename: safeFilename(input.filename),
      status,
      error: undefined,
      createdAt,
      expiresAt: createdAt + this.retentionSeconds * 1000,
    };
  }

  private async upload(record: MediaRecord, input: CompleteInput): Promise<{ size: number; sha256: string }> {
    const key = this.objectKey(record.workspaceId, record.id);
    const stored = await uploadObject({
      client: this.s3,
      bucket: this.bucket,
      key,
      contentType: record.mimetype,
      source: input.source,
      maxBytes: input.maxBytes,
      what: record.type ?? 'media',
      partSizeBytes: this.tuning.partSizeBytes,
      queueSize: this.tuning.queueSize,
    });
    if (input.expectedSha256 !== undefined && input.expectedSha256.toLowerCase() !== stored.sha256) {
      await deleteObject(this.s3, this.bucket, key).catch(() => undefined);
      throw new MediaHashMismatchError(input.expectedSha256, stored.sha256);
    }
    return stored;
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
