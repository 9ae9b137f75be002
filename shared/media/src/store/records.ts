import type { MediaType } from '../limits';

/** `upload`: sent to the ingress by a client; `inbound`: received from WhatsApp by a worker. */
export type MediaKind = 'upload' | 'inbound';
/** `pending`: reserved, content not stored yet; `unavailable`: its download failed (may be retried). */
export type MediaStatus = 'available' | 'pending' | 'unavailable';

/** A media object's record (`<prefix>:media:<id>` hash); the bytes are in S3 at `objectKey`. */
export interface MediaRecord {
  readonly id: string;
  readonly workspaceId: number;
  readonly kind: MediaKind;
  /** The media type it was stored as, when known (uploads always say). */
  readonly type: MediaType | undefined;
  readonly mimetype: string;
  /** Bytes stored; 0 until available. */
  readonly size: number;
  /** Hex sha256 of the stored bytes; empty until available. */
  readonly sha256: string;
  readonly filename: string | undefined;
  readonly status: MediaStatus;
  /** Why it is unavailable (the last failed download), else undefined. */
  readonly error: string | undefined;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** When the record and the object go (created_at + retention), ms. */
  readonly expiresAt: number;
}

/** The hash fields of a record, as written. */
export function recordFields(record: MediaRecord): Record<string, string> {
  const fields: Record<string, string> = {
    id: record.id,
    workspace_id: String(record.workspaceId),
    kind: record.kind,
    mimetype: record.mimetype,
    size: String(record.size),
    sha256: record.sha256,
    status: record.status,
    created_at: String(record.createdAt),
    expires_at: String(record.expiresAt),
  };
  if (record.type !== undefined) fields.type = record.type;
  if (record.filename !== undefined) fields.filename = record.filename;
  if (record.error !== undefined) fields.error = record.error;
  return fields;
}

/** A record read back, or undefined for a missing or unreadable hash. */
export function parseRecord(fields: Record<string, string>): MediaRecord | undefined {
  const { id, workspace_id, kind, mimetype, status } = fields;
  if (!id || !workspace_id || !mimetype || (kind !== 'upload' && kind !== 'inbound')) return undefined;
  if (status !== 'available' && status !== 'pending' && status !== 'unavailable') return undefined;
  return {
    id,
    workspaceId: Number(workspace_id),
    kind,
    type: (fields.type as MediaType | undefined) || undefined,
    mimetype,
    size: Number(fields.size ?? 0),
    sha256: fields.sha256 ?? '',
    filename: fields.filename || undefined,
    status,
    error: fields.error || undefined,
    createdAt: Number(fields.created_at ?? 0),
    expiresAt: Number(fields.expires_at ?? 0),
  };
}
