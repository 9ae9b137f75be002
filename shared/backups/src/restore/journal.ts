import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Staging directories are `SESSION_STORAGE_PATH/.restore-<snapshot id>-<random>/`. */
export const STAGING_PREFIX = '.restore-';
const JOURNAL_FILE = 'journal.json';
const JOURNAL_FORMAT = 'fleet-restore-journal/1';

/**
 * How far a restore got, so that one interrupted by a crash can be finished by the next:
 * `staging` (nothing replaced yet), `swapping` (directories are being moved: some may be the
 * restored ones, the replaced ones are in `.replaced`), `committed` (every restored directory in
 * place and synced), `rolled_back` (a failed swap put every old directory back), `done` (sessions
 * started again; only the files are left to delete).
 */
export type JournalState = 'staging' | 'swapping' | 'committed' | 'rolled_back' | 'done';

export interface RestoreJournal {
  readonly format: typeof JOURNAL_FORMAT;
  readonly snapshotId: string;
  /** The restore's lock token. */
  readonly token: string;
  readonly state: JournalState;
  readonly sessions: ReadonlyArray<{ readonly workspaceId: number; readonly sessionId: string }>;
  /** Sessions the restore stopped (or is about to stop), to start again whatever happens. */
  readonly restart: readonly string[];
}

export type JournalContent = Omit<RestoreJournal, 'format'>;

/** Writes the journal durably (temporary file, fsync, rename, fsync of the directory). */
export async function writeJournal(stagingDir: string, journal: JournalContent): Promise<void> {
  const file = path.join(stagingDir, JOURNAL_FILE);
  const temp = `${file}.tmp`;
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify({ format: JOURNAL_FORMAT, ...journal }));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
  const dir = await fs.open(stagingDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The journal of a staging directory; undefined when it has none or it cannot be read. */
export async function readJournal(stagingDir: string): Promise<RestoreJournal | undefined> {
  try {
    const journal = JSON.parse(await fs.readFile(path.join(stagingDir, JOURNAL_FILE), 'utf8')) as Partial<RestoreJournal>;
    if (journal.format !== JOURNAL_FORMAT || !Array.isArray(journal.sessions) || !Array.isArray(journal.restart)) return undefined;
    return journal as RestoreJournal;
  } catch {
    return undefined;
  }
}

/** Every staging directory left in the tree. */
export async function listStagingDirs(storagePath: string): Promise<string[]> {
  const names = await fs.readdir(storagePath).catch(() => [] as string[]);
  return names
    .filter((name) => name.startsWith(STAGING_PREFIX))
    .sort()
    .map((name) => path.join(storagePath, name));
}
