import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { SnapshotCorruptError, UnsafeArchiveEntryError } from '../errors';
import type { SnapshotStore } from '../s3/snapshot-store';
import { parseEntryPath } from '../snapshot/archive-path';
import { EMBEDDED_MANIFEST_NAME, entryPath, type ManifestFile, type ManifestSession, type SnapshotManifest } from '../snapshot/manifest';

export interface StageOptions {
  readonly store: SnapshotStore;
  readonly manifest: SnapshotManifest;
  /** Sessions to write into the staging directory; the other entries are checked against the manifest only. */
  readonly selected: readonly ManifestSession[];
  readonly stagingDir: string;
  /** Make the staged files durable (syncfs of the file system, or fsync of each file) before returning. Default true. */
  readonly fsync?: boolean;
  readonly onProgress?: (archiveBytes: number, totalBytes: number) => void;
}

const MAX_EMBEDDED_MANIFEST = 256 * 1024 * 1024;

/**
 * Downloads and unpacks the archive into `stagingDir`, checking as it goes that every entry is a
 * plain file at a safe path the manifest lists with this size and sha256. Then checks that the
 * archive's own size and sha256 match, that every selected file arrived, and that the embedded
 * manifest (the archive's last entry) agrees. Throws `SnapshotCorruptError` or
 * `UnsafeArchiveEntryError` on the first problem; the caller removes the staging directory.
 */
export async function stageSnapshot(options: StageOptions): Promise<void> {
  const { manifest } = options;
  const expected = new Map<string, ManifestFile>();
  for (const session of manifest.sessions) for (const file of session.files) expected.set(entryPath(session, file.name), file);
  const wanted = new Set(options.selected.flatMap((s) => s.files.map((f) => entryPath(s, f.name))));
  const corrupt = (...problems: string[]): SnapshotCorruptError => new SnapshotCorruptError(manifest.id, problems);

  const body = await options.store.openArchive(manifest.id);
  const hash = createHash('sha256');
  let archiveBytes = 0;
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    archiveBytes += chunk.length;
    options.onProgress?.(archiveBytes, manifest.archive.bytes);
  });
  const gunzip = createGunzip();
  const extract = tar.extract();
  body.on('error', (error: Error) => gunzip.destroy(error));
  gunzip.on('error', (error: Error) => extract.destroy(error));
  body.pipe(gunzip).pipe(extract as unknown as NodeJS.WritableStream);

  const seen = new Set<string>();
  let embedded: string | undefined;
  const madeDirs = new Map<string, Promise<unknown>>();
  const writes = new WriteLanes(32);
  try {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      if (type !== 'file') throw new UnsafeArchiveEntryError(manifest.id, name, `entry type ${String(type)}`);
      if (name === EMBEDDED_MANIFEST_NAME) {
        if ((size ?? 0) > MAX_EMBEDDED_MANIFEST) throw corrupt('embedded manifest is too large');
        embedded = (await readAll(entry)).toString('utf8');
        continue;
      }
      const parsed = parseEntryPath(name);
      if (typeof parsed === 'string') throw new UnsafeArchiveEntryError(manifest.id, name, parsed);
      const file = expected.get(name);
      if (!file) throw corrupt(`${name} is in the archive but not in the manifest`);
      if (seen.has(name)) throw corrupt(`${name} appears twice`);
      if (size !== file.size) throw corrupt(`${name} is ${String(size)} bytes, manifest says ${file.size}`);
      seen.add(name);
      if (!wanted.has(name)) {
        entry.resume();
        continue;
      }
      const data = await readAll(entry);
      const sha = createHash('sha256').update(data).digest('hex');
      if (data.length !== file.size || sha !== file.sha256) throw corrupt(`${name}: sha256 does not match the manifest`);
      await writes.add(() => writeStaged(path.join(options.stagingDir, name), data, parsed.name, madeDirs));
    }
    await writes.drain();
  } catch (error) {
    await writes.drain().catch(() => undefined);
    body.destroy();
    if (error instanceof SnapshotCorruptError || error instanceof UnsafeArchiveEntryError) throw error;
    throw new SnapshotCorruptError(manifest.id, [`archive cannot be read: ${error instanceof Error ? error.message : String(error)}`], error);
  }
  checkComplete(manifest, archiveBytes, hash.digest('hex'), wanted, seen, embedded, corrupt);
  if (options.fsync ?? true) await syncTree(options.stagingDir, [...wanted]);
}

function checkComplete(
  manifest: SnapshotManifest,
  bytes: number,
  sha256: string,
  wanted: ReadonlySet<string>,
  seen: ReadonlySet<string>,
  embedded: string | undefined,
  corrupt: (...problems: string[]) => SnapshotCorruptError,
): void {
  const problems: string[] = [];
  if (bytes !== manifest.archive.bytes) problems.push(`archive is ${bytes} bytes, manifest says ${manifest.archive.bytes} (truncated?)`);
  else if (sha256 !== manifest.archive.sha256) problems.push('archive sha256 does not match the manifest');
  const missing = [...wanted].filter((name) => !seen.has(name));
  if (missing.length > 0) problems.push(`${missing.length} file(s) missing from the archive, e.g. ${missing[0]}`);
  if (embedded === undefined) problems.push('the archive has no embedded manifest (truncated?)');
  else if (!sameContent(embedded, manifest)) problems.push('the embedded manifest differs from the stored one');
  if (problems.length > 0) throw corrupt(...problems);
}

function sameContent(embeddedText: string, manifest: SnapshotManifest): boolean {
  try {
    const embedded = JSON.parse(embeddedText) as Partial<SnapshotManifest>;
    return embedded.id === manifest.id && JSON.stringify(embedded.sessions) === JSON.stringify(manifest.sessions);
  } catch {
    return false;
  }
}

async function readAll(stream: object): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function writeStaged(file: string, data: Buffer, name: string, madeDirs: Map<string, Promise<unknown>>): Promise<void> {
  const dir = path.dirname(file);
  let made = madeDirs.get(dir);
  if (!made) {
    made = fs.mkdir(dir, { recursive: true, mode: 0o700 });
    madeDirs.set(dir, made);
  }
  await made;
  await fs.writeFile(file, data, { flag: 'wx', mode: name === '.epoch' ? 0o644 : 0o600 });
}

/** Runs writes with at most `limit` in flight; the first failure is thrown by `add` or `drain`. */
class WriteLanes {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    const running: Promise<void> = task().catch((error: unknown) => {
      this.failure ??= error;
    }).finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
    if (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
  }

  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
    if (this.failure) throw this.failure;
  }
}

/**
 * Flushes the staged files to disk before they replace anything: one `sync -f` (syncfs of the
 * file system holding the staging directory), or, where that is unavailable, an fsync per file.
 */
async function syncTree(stagingDir: string, relativePaths: readonly string[]): Promise<void> {
  const synced = await new Promise<boolean>((resolve) => {
    execFile('sync', ['-f', stagingDir], (error) => resolve(!error));
  });
  if (synced) return;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < relativePaths.length) {
      const handle = await fs.open(path.join(stagingDir, relativePaths[next++]!), 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(32, relativePaths.length) }, lane));
}
