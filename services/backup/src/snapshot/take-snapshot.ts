import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import type { SnapshotStore } from '../s3/snapshot-store';
import { EMBEDDED_MANIFEST_NAME, entryPath, MANIFEST_FORMAT, totalsOf, type ManifestSession, type SnapshotContent, type SnapshotManifest } from './manifest';
import { newSnapshotId } from './snapshot-id';
import { epochOf, FENCE_FILE, listSessionDirs, readSessionFiles, type ReadFile, type SessionDirRef } from './tree';

/** Sessions read ahead of the one being archived. */
const READ_AHEAD = 4;

export interface SnapshotOptions {
  readonly storagePath: string;
  readonly store: SnapshotStore;
  readonly partSizeBytes: number;
  readonly uploadQueueSize: number;
  readonly gzipLevel: number;
  /** Scheduler slot this snapshot is for (ms); null or absent for a manual one. */
  readonly slot?: number | null;
  readonly now?: Date;
  readonly onProgress?: (progress: SnapshotProgress) => void;
}

export interface SnapshotProgress {
  readonly sessionsDone: number;
  readonly sessionsTotal: number;
  readonly archiveBytes: number;
}

/**
 * Snapshots the whole session tree: a tar.gz streamed to S3 by multipart upload (never staged on
 * disk) whose entries are hashed as they are written, then the manifest. Each file is read once
 * into memory and that exact buffer is both hashed and archived, so the manifest always matches.
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<SnapshotManifest> {
  const started = Date.now();
  const createdAt = options.now ?? new Date();
  const id = newSnapshotId(createdAt);
  const dirs = await listSessionDirs(options.storagePath);
  const pack = tar.pack();
  const gzip = createGzip({ level: options.gzipLevel });
  pack.on('error', (error: Error) => gzip.destroy(error));
  pack.pipe(gzip);
  const hash = createHash('sha256');
  let archiveBytes = 0;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of gzip as AsyncIterable<Buffer>) {
      hash.update(chunk);
      archiveBytes += chunk.length;
      yield chunk;
    }
  }
  let fail: (error: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (fail = reject));
  failure.catch(() => undefined);
  const uploaded = options.store
    .uploadArchive(id, Readable.from(hashed()), { partSizeBytes: options.partSizeBytes, queueSize: options.uploadQueueSize })
    .catch((error: unknown) => {
      fail(error);
      throw error;
    });
  let content: SnapshotContent;
  try {
    const sessions = await writeSessions(pack, dirs, failure, (done) =>
      options.onProgress?.({ sessionsDone: done, sessionsTotal: dirs.length, archiveBytes }),
    );
    content = { format: MANIFEST_FORMAT, id, createdAt: createdAt.toISOString(), slot: options.slot ?? null, sessions, totals: totalsOf(sessions) };
    await Promise.race([addEntry(pack, EMBEDDED_MANIFEST_NAME, Buffer.from(JSON.stringify(content)), 0o644), failure]);
    pack.finalize();
    await uploaded;
  } catch (error) {
    pack.destroy(error as Error);
    await uploaded.catch(() => undefined);
    throw error;
  }
  const manifest: SnapshotManifest = {
    ...content,
    archive: { key: options.store.archiveKey(id), bytes: archiveBytes, sha256: hash.digest('hex') },
    durationMs: Date.now() - started,
  };
  await options.store.putManifest(manifest);
  return manifest;
}

async function writeSessions(
  pack: tar.Pack,
  dirs: readonly SessionDirRef[],
  failure: Promise<never>,
  progress: (done: number) => void,
): Promise<ManifestSession[]> {
  const sessions: ManifestSession[] = [];
  const read = (index: number): Promise<ReadFile[]> | undefined => {
    const dir = dirs[index];
    if (!dir) return undefined;
    const pending = readSessionFiles(dir.dir);
    pending.catch(() => undefined);
    return pending;
  };
  // Reads run a few sessions ahead of the archive writer (each session's files are small).
  const ahead = Array.from({ length: Math.min(READ_AHEAD, dirs.length) }, (_, i) => read(i));
  for (let index = 0; index < dirs.length; index += 1) {
    const dir = dirs[index]!;
    const files = await Promise.race([ahead.shift()!, failure]);
    ahead.push(read(index + READ_AHEAD));
    for (const file of files) {
      const mode = file.name === FENCE_FILE ? 0o644 : 0o600;
      await Promise.race([addEntry(pack, entryPath(dir, file.name), file.data, mode), failure]);
    }
    sessions.push({
      workspaceId: dir.workspaceId,
      sessionId: dir.sessionId,
      epoch: epochOf(files),
      files: files.map((file) => ({ name: file.name, size: file.data.length, sha256: file.sha256 })),
    });
    if (index % 50 === 0 || index === dirs.length - 1) progress(index + 1);
  }
  return sessions;
}

/** Adds one entry; resolves once the pack has taken it (back-pressure from gzip and the upload). */
function addEntry(pack: tar.Pack, name: string, data: Buffer, mode: number): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mode, mtime: new Date(), type: 'file' }, data, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}
