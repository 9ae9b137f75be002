/**
 * The media host's blobs, in memory: a least-recently-used cache bounded by total bytes (the oldest
 * untouched blobs are dropped first; a download or a verification touches a blob). Blobs are kept as the
 * chunk lists they arrived in, never joined into one buffer. A blob gone from the cache answers 404, as an
 * expired WhatsApp media URL does.
 */
import { randomBytes } from 'node:crypto';

export interface StoredBlob {
  /** the path segment of its URL (`/v/t62.7118-24/<id>.enc`) */
  id: string;
  /** the upload path's type (`image`, `video`, `audio`, `document`, …) */
  uploadType: string;
  chunks: Buffer[];
  size: number;
  /** base64url SHA-256 of the blob */
  fileEncSha256: string;
  createdAt: number;
  /** the account whose device uploaded it; undefined for blobs the simulator made */
  uploadedBy?: string;
}

export interface MediaStoreStats {
  blobs: number;
  bytes: number;
  /** blobs dropped to stay under the byte limit */
  evicted: number;
}

const PATH_PREFIX = '/v/t62.7118-24/';

export class MediaStore {
  private readonly blobs = new Map<string, StoredBlob>();
  private bytes = 0;
  private evicted = 0;

  constructor(readonly maxBytes: number) {}

  newId(): string {
    return randomBytes(16).toString('hex');
  }

  /** Stores a blob, dropping the least recently used ones until the total fits. */
  put(blob: StoredBlob): void {
    const previous = this.blobs.get(blob.id);
    if (previous) this.remove(previous);
    this.blobs.set(blob.id, blob);
    this.bytes += blob.size;
    for (const oldest of this.blobs.values()) {
      if (this.bytes <= this.maxBytes || oldest === blob) break;
      this.remove(oldest);
      this.evicted += 1;
    }
  }

  /** A blob by id; marks it recently used. */
  get(id: string): StoredBlob | undefined {
    const blob = this.blobs.get(id);
    if (!blob) return undefined;
    this.blobs.delete(id);
    this.blobs.set(id, blob);
    return blob;
  }

  /** The blob a media URL (full URL or direct path) points to, if it is one of ours. */
  fromUrl(url: string | null | undefined): StoredBlob | undefined {
    const id = blobIdOf(url);
    return id ? this.get(id) : undefined;
  }

  stats(): MediaStoreStats {
    return { blobs: this.blobs.size, bytes: this.bytes, evicted: this.evicted };
  }

  clear(): void {
    this.blobs.clear();
    this.bytes = 0;
  }

  private remove(blob: StoredBlob): void {
    this.blobs.delete(blob.id);
    this.bytes -= blob.size;
  }
}

/** `/v/t62.7118-24/<id>.enc?…` for a blob id: the shape of WhatsApp's direct paths. */
export function directPathOf(id: string, token: string): string {
  return `${PATH_PREFIX}${id}.enc?ccb=11-4&oh=${token}&oe=${(Math.floor(Date.now() / 1000) + 14 * 86_400).toString(16).toUpperCase()}&_nc_sid=5e03e0`;
}

/** The blob id in a media URL or direct path, or undefined when it is not one of the simulator's. */
export function blobIdOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  let path: string;
  try {
    path = new URL(url, 'https://media.invalid').pathname;
  } catch {
    return undefined;
  }
  const match = /^\/v\/t62\.7118-24\/([0-9a-f]{32})\.enc$/.exec(path);
  return match?.[1];
}
