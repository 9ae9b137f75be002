/** Version tag of the manifest format; a restore refuses any other. */
export const MANIFEST_FORMAT = 'fleet-backup/1';
/** Name of the manifest entry inside the archive (its last entry, so a truncated archive lacks it). */
export const EMBEDDED_MANIFEST_NAME = 'manifest.json';

export interface ManifestFile {
  /** File name inside the session directory. */
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ManifestSession {
  readonly workspaceId: number;
  readonly sessionId: string;
  /** The fencing epoch in the session's `.epoch` when it was read, null without a fence file. */
  readonly epoch: number | null;
  readonly files: readonly ManifestFile[];
}

/** What the archive holds; embedded as its last entry and stored beside it (with `archive` added). */
export interface SnapshotContent {
  readonly format: typeof MANIFEST_FORMAT;
  readonly id: string;
  readonly createdAt: string;
  /** Scheduler slot (ms since epoch) for scheduled snapshots; null for manual ones. */
  readonly slot: number | null;
  readonly sessions: readonly ManifestSession[];
  readonly totals: { readonly sessions: number; readonly workspaces: number; readonly files: number; readonly bytes: number };
}

export interface SnapshotManifest extends SnapshotContent {
  readonly archive: { readonly key: string; readonly bytes: number; readonly sha256: string };
  readonly durationMs: number;
}

/** Relative path of a file in the archive and in the storage tree. */
export function entryPath(session: Pick<ManifestSession, 'workspaceId' | 'sessionId'>, name: string): string {
  return `workspace_${session.workspaceId}/${session.sessionId}/${name}`;
}

export function totalsOf(sessions: readonly ManifestSession[]): SnapshotContent['totals'] {
  let files = 0;
  let bytes = 0;
  for (const session of sessions) {
    files += session.files.length;
    for (const file of session.files) bytes += file.size;
  }
  return { sessions: sessions.length, workspaces: new Set(sessions.map((s) => s.workspaceId)).size, files, bytes };
}

/** Parses a stored manifest; returns the problems found instead of throwing. */
export function parseManifest(text: string): { manifest?: SnapshotManifest; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problems: [`manifest is not JSON (${String(error)})`] };
  }
  const m = value as Partial<SnapshotManifest> | null;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') return { problems: ['manifest is not an object'] };
  if (m.format !== MANIFEST_FORMAT) problems.push(`manifest format is ${String(m.format)}, expected ${MANIFEST_FORMAT}`);
  if (!Array.isArray(m.sessions)) problems.push('manifest has no session list');
  if (!m.archive || typeof m.archive.sha256 !== 'string' || typeof m.archive.bytes !== 'number') problems.push('manifest has no archive checksum');
  return problems.length > 0 ? { problems } : { manifest: m as SnapshotManifest, problems };
}
