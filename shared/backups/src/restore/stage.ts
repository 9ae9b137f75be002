import { createHash, hash, type Hash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SnapshotCorruptError, UnsafeArchiveEntryError } from '../errors';
import type { SnapshotStore } from '../s3/snapshot-store';
import { parseEntryPath } from '../snapshot/archive-path';
import { EMBEDDED_MANIFEST_NAME, entryPath, type ManifestFile, type ManifestSession, type SnapshotManifest } from '../snapshot/manifest';
import { FENCE_FILE } from '../snapshot/tree';
import { TarReader, type TarEntryHeader } from '../tar/tar-reader';
import { FileWriteError, ThreadedFileWriter } from './file-writer';
import { spreadSubdirectories, syncTree } from './staging-fs';

export interface StageOptions {
  readonly store: SnapshotStore;
  readonly manifest: SnapshotManifest;
  /** Sessions to write into the staging directory; the other entries are checked against the manifest only. */
  readonly selected: readonly ManifestSession[];
  readonly stagingDir: string;
  /** Make the staged files durable (syncfs of the file system, or fsync of each file and directory) before returning. Default true. */
  readonly fsync?: boolean;
  readonly onProgress?: (archiveBytes: number, totalBytes: number) => void;
}

const MAX_EMBEDDED_MANIFEST = 256 * 1024 * 1024;
const GUNZIP_CHUNK = 64 * 1024;

/**
 * Downloads and unpacks the archive into `stagingDir`, checking as it goes that every entry is a
 * plain file at a safe path the manifest lists with this size and sha256. Then checks that the
 * archive's own size and sha256 match, that every selected file arrived, and that the embedded
 * manifest (the archive's last entry) agrees, and makes the staged tree durable. Throws
 * `SnapshotCorruptError` or `UnsafeArchiveEntryError` on the first problem, `FileWriteError` when
 * the staging directory cannot be written; the caller removes the staging directory. Every
 * selected session gets a staged directory, even one without files.
 */
export async function stageSnapshot(options: StageOptions): Promise<void> {
  const { manifest } = options;
  const dirs = await makeStagingDirs(options.stagingDir, options.selected);
  const archive = { bytes: 0, hash: createHash('sha256') };
  const body = await options.store.openArchive(manifest.id);
  const writer = new ThreadedFileWriter();
  const entries = new StagedEntries(manifest, options.selected, (name, data) =>
    writer.add(path.join(options.stagingDir, name), data, path.basename(name) === FENCE_FILE ? 0o644 : 0o600),
  );
  try {
    await pipeline(body, tap(archive, manifest, options.onProgress), createGunzip({ chunkSize: GUNZIP_CHUNK }), sink(new TarReader(entries), writer));
  } catch (error) {
    throw readFailure(manifest.id, error);
  } finally {
    await writer.close();
  }
  entries.checkComplete(archive.bytes, archive.hash.digest('hex'));
  if (options.fsync ?? true) {
    await syncTree(options.stagingDir, () => [...[...entries.wanted].map((name) => path.join(options.stagingDir, name)), ...dirs, options.stagingDir]);
  }
}

/**
 * Downloads the archive and checks it against its manifest without writing anything: every entry a
 * plain file at a safe path with the manifest's size and sha256 (every file, not only some), every
 * file present, the archive's size and sha256, the embedded manifest. Throws `SnapshotCorruptError`
 * or `UnsafeArchiveEntryError` on the first problem.
 */
export async function checkArchive(
  store: SnapshotStore,
  manifest: SnapshotManifest,
  onProgress?: (archiveBytes: number, totalBytes: number) => void,
): Promise<void> {
  const archive = { bytes: 0, hash: createHash('sha256') };
  const body = await store.openArchive(manifest.id);
  const entries = new StagedEntries(manifest, manifest.sessions, () => undefined);
  try {
    await pipeline(body, tap(archive, manifest, onProgress), createGunzip({ chunkSize: GUNZIP_CHUNK }), sink(new TarReader(entries)));
  } catch (error) {
    throw readFailure(manifest.id, error);
  }
  entries.checkComplete(archive.bytes, archive.hash.digest('hex'));
}

function readFailure(snapshotId: string, error: unknown): Error {
  if (error instanceof FileWriteError || error instanceof SnapshotCorruptError || error instanceof UnsafeArchiveEntryError) return error;
  return new SnapshotCorruptError(snapshotId, [`archive cannot be read: ${error instanceof Error ? error.message : String(error)}`], error);
}

/**
 * Creates `workspace_<id>/<session_id>/` in staging for every selected session, the session
 * directories spread over the file system (see `spreadSubdirectories`). Synchronous calls: a few
 * thousand tiny metadata operations cost less than as many thread-pool round trips.
 */
async function makeStagingDirs(stagingDir: string, selected: readonly ManifestSession[]): Promise<string[]> {
  const workspaceDirs = [...new Set(selected.map((s) => path.join(stagingDir, `workspace_${s.workspaceId}`)))];
  for (const dir of workspaceDirs) mkdirSync(dir, { mode: 0o700 });
  await spreadSubdirectories(workspaceDirs);
  const sessionDirs = selected.map((s) => path.join(stagingDir, `workspace_${s.workspaceId}`, s.sessionId));
  for (const dir of sessionDirs) mkdirSync(dir, { mode: 0o700 });
  return [...sessionDirs, ...workspaceDirs];
}

/**
 * The checks on each archive entry; verified files of the selected sessions go to `accept` (when
 * staging: the staging writer, which creates them on its own thread with one synchronous call each;
 * promise-based writes of 129,000 files cost ~2.5x more: thread-pool round trips and promises
 * outweigh the write itself).
 */
class StagedEntries {
  readonly wanted: ReadonlySet<string>;
  private readonly expected = new Map<string, ManifestFile>();
  private readonly seen = new Set<string>();
  private embedded: string | undefined;

  constructor(
    private readonly manifest: SnapshotManifest,
    selected: readonly ManifestSession[],
    private readonly accept: (name: string, data: Buffer) => void,
  ) {
    for (const session of manifest.sessions) for (const file of session.files) this.expected.set(entryPath(session, file.name), file);
    this.wanted = new Set(selected.flatMap((s) => s.files.map((f) => entryPath(s, f.name))));
  }

  /** Validates an entry's header; returns whether its content is wanted. */
  entry({ name, type, size }: TarEntryHeader): boolean {
    const id = this.manifest.id;
    if (type !== 'file') throw new UnsafeArchiveEntryError(id, name, `entry type ${type}`);
    if (name === EMBEDDED_MANIFEST_NAME) {
      if (size > MAX_EMBEDDED_MANIFEST) throw this.corrupt('embedded manifest is too large');
      return true;
    }
    const parsed = parseEntryPath(name);
    if (typeof parsed === 'string') throw new UnsafeArchiveEntryError(id, name, parsed);
    const file = this.expected.get(name);
    if (!file) throw this.corrupt(`${name} is in the archive but not in the manifest`);
    if (this.seen.has(name)) throw this.corrupt(`${name} appears twice`);
    if (size !== file.size) throw this.corrupt(`${name} is ${size} bytes, manifest says ${file.size}`);
    this.seen.add(name);
    return this.wanted.has(name);
  }

  /** Verifies a wanted file's sha256 and queues it for staging (never written over an existing file). */
  content({ name }: TarEntryHeader, data: Buffer): void {
    if (name === EMBEDDED_MANIFEST_NAME) {
      this.embedded = data.toString('utf8');
      return;
    }
    const file = this.expected.get(name)!;
    if (hash('sha256', data) !== file.sha256) throw this.corrupt(`${name}: sha256 does not match the manifest`);
    this.accept(name, data);
  }

  checkComplete(bytes: number, sha256: string): void {
    const { manifest } = this;
    const problems: string[] = [];
    if (bytes !== manifest.archive.bytes) problems.push(`archive is ${bytes} bytes, manifest says ${manifest.archive.bytes} (truncated?)`);
    else if (sha256 !== manifest.archive.sha256) problems.push('archive sha256 does not match the manifest');
    const missing = [...this.wanted].filter((name) => !this.seen.has(name));
    if (missing.length > 0) problems.push(`${missing.length} file(s) missing from the archive, e.g. ${missing[0]}`);
    if (this.embedded === undefined) problems.push('the archive has no embedded manifest (truncated?)');
    else if (!sameContent(this.embedded, manifest)) problems.push('the embedded manifest differs from the stored one');
    if (problems.length > 0) throw this.corrupt(...problems);
  }

  private corrupt(...problems: string[]): SnapshotCorruptError {
    return new SnapshotCorruptError(this.manifest.id, problems);
  }
}

function sameContent(embeddedText: string, manifest: SnapshotManifest): boolean {
  try {
    const embedded = JSON.parse(embeddedText) as Partial<SnapshotManifest>;
    return embedded.id === manifest.id && JSON.stringify(embedded.sessions) === JSON.stringify(manifest.sessions);
  } catch {
    return false;
  }
}

/** Passes the downloaded bytes through, hashing and counting them. */
function tap(archive: { bytes: number; hash: Hash }, manifest: SnapshotManifest, onProgress: StageOptions['onProgress']): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      archive.hash.update(chunk);
      archive.bytes += chunk.length;
      onProgress?.(archive.bytes, manifest.archive.bytes);
      done(null, chunk);
    },
  });
}

/**
 * Feeds the uncompressed bytes to the tar reader and sends each chunk's verified files to the
 * writer, if any (waiting while it is behind); errors of either fail the pipeline.
 */
function sink(reader: TarReader, writer?: ThreadedFileWriter): Writable {
  const settle = (work: () => Promise<void>, done: (error?: Error | null) => void): void => {
    work().then(
      () => done(),
      (error: unknown) => done(error as Error),
    );
  };
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      settle(async () => {
        reader.write(chunk);
        await writer?.send();
      }, done);
    },
    final(done) {
      settle(async () => {
        reader.end();
        await writer?.flush();
      }, done);
    },
  });
}
