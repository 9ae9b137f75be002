import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from '../settings';
import { SnapshotCorruptError, SnapshotNotFoundError } from '../errors';
import { parseManifest, type SnapshotManifest } from '../snapshot/manifest';
import { isSnapshotId, snapshotTime } from '../snapshot/snapshot-id';

const ARCHIVE_NAME = 'snapshot.tar.gz';
const MANIFEST_NAME = 'manifest.json';
const VERIFICATION_NAME = 'verification.json';

/** The outcome of reading a snapshot's whole archive back and checking it against its manifest. */
export interface SnapshotVerification {
  readonly snapshotId: string;
  /** When the check finished (ms since the epoch). */
  readonly verifiedAt: number;
  readonly ok: boolean;
  /** What did not match (empty when ok). */
  readonly problems: readonly string[];
  readonly durationMs: number;
}

/** One snapshot as listed in the bucket. */
export interface SnapshotListing {
  readonly id: string;
  readonly createdAt: Date;
  /** Size of the archive object (0 when it is missing). */
  readonly archiveBytes: number;
  /** False when the manifest is missing: an interrupted snapshot, never restorable. */
  readonly complete: boolean;
  /** A verification result is stored beside it (read it with `getVerification`). */
  readonly verificationStored: boolean;
}

export interface UploadOptions {
  readonly partSizeBytes: number;
  readonly queueSize: number;
  readonly onProgress?: (uploadedBytes: number) => void;
}

/** The snapshots in the bucket: `<prefix>snapshots/<id>/snapshot.tar.gz` and `…/manifest.json`. */
export class SnapshotStore {
  constructor(
    readonly client: S3Client,
    readonly settings: S3Settings,
  ) {}

  archiveKey(id: string): string {
    return `${this.snapshotsPrefix}${id}/${ARCHIVE_NAME}`;
  }

  manifestKey(id: string): string {
    return `${this.snapshotsPrefix}${id}/${MANIFEST_NAME}`;
  }

  verificationKey(id: string): string {
    return `${this.snapshotsPrefix}${id}/${VERIFICATION_NAME}`;
  }

  /** Creates the bucket when it does not exist (local and test stores). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
    } catch {
      await this.client.send(new CreateBucketCommand({ Bucket: this.settings.bucket }));
    }
  }

  /** Streams an archive to S3 with a multipart upload; nothing is staged on local disk. */
  async uploadArchive(id: string, body: Readable, options: UploadOptions): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: this.archiveKey(id), Body: body, ContentType: 'application/gzip' },
      partSize: options.partSizeBytes,
      queueSize: options.queueSize,
      leavePartsOnError: false,
    });
    if (options.onProgress) upload.on('httpUploadProgress', (p) => options.onProgress?.(p.loaded ?? 0));
    await upload.done();
  }

  /** Written last: a snapshot exists (is listed as complete and restorable) once its manifest does. */
  async putManifest(manifest: SnapshotManifest): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.settings.bucket,
        Key: this.manifestKey(manifest.id),
        Body: JSON.stringify(manifest),
        ContentType: 'application/json',
      }),
    );
  }

  async getManifest(id: string): Promise<SnapshotManifest> {
    if (!isSnapshotId(id)) throw new SnapshotNotFoundError(id);
    const text = await this.getText(this.manifestKey(id)).catch((error: unknown) => {
      if (isNotFound(error)) throw new SnapshotNotFoundError(id);
      throw error;
    });
    const { manifest, problems } = parseManifest(text);
    if (!manifest || manifest.id !== id) throw new SnapshotCorruptError(id, manifest ? [`manifest names snapshot ${manifest.id}`] : problems);
    return manifest;
  }

  /** Stores the latest verification of a snapshot beside it (replacing an earlier one). */
  async putVerification(verification: SnapshotVerification): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.settings.bucket,
        Key: this.verificationKey(verification.snapshotId),
        Body: JSON.stringify(verification),
        ContentType: 'application/json',
      }),
    );
  }

  /** The stored verification of a snapshot; undefined when it was never verified (or the record is unreadable). */
  async getVerification(id: string): Promise<SnapshotVerification | undefined> {
    if (!isSnapshotId(id)) return undefined;
    try {
      const value = JSON.parse(await this.getText(this.verificationKey(id))) as Partial<SnapshotVerification>;
      if (value.snapshotId !== id || typeof value.ok !== 'boolean' || typeof value.verifiedAt !== 'number') return undefined;
      return {
        snapshotId: id,
        verifiedAt: value.verifiedAt,
        ok: value.ok,
        problems: Array.isArray(value.problems) ? value.problems.map(String) : [],
        durationMs: Number(value.durationMs) || 0,
      };
    } catch (error) {
      if (isNotFound(error) || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async openArchive(id: string): Promise<Readable> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.archiveKey(id) })).catch((error: unknown) => {
      if (isNotFound(error)) throw new SnapshotNotFoundError(id);
      throw error;
    });
    return response.Body as Readable;
  }

  /** Every snapshot under the prefix, oldest first. */
  async list(): Promise<SnapshotListing[]> {
    const found = new Map<string, { archiveBytes: number; complete: boolean; verificationStored: boolean }>();
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: this.snapshotsPrefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const [id, name] = (object.Key ?? '').slice(this.snapshotsPrefix.length).split('/');
        if (!id || !isSnapshotId(id)) continue;
        const entry = found.get(id) ?? { archiveBytes: 0, complete: false, verificationStored: false };
        if (name === ARCHIVE_NAME) entry.archiveBytes = object.Size ?? 0;
        if (name === MANIFEST_NAME) entry.complete = true;
        if (name === VERIFICATION_NAME) entry.verificationStored = true;
        found.set(id, entry);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [...found.entries()].map(([id, entry]) => ({ id, createdAt: snapshotTime(id) ?? new Date(0), ...entry })).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Removes a snapshot: the manifest first, so a half-deleted snapshot is never listed as complete. */
  async delete(id: string): Promise<void> {
    for (const key of [this.manifestKey(id), this.archiveKey(id), this.verificationKey(id)]) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }));
    }
  }

  private get snapshotsPrefix(): string {
    return `${this.settings.prefix}snapshots/`;
  }

  private async getText(key: string): Promise<string> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
    return (await response.Body?.transformToString('utf8')) ?? '';
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
