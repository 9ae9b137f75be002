import { EnvReader } from '@fleet/config';
import { assertWorkspaceId } from '@fleet/errors';
import {
  createS3Client,
  readBackupSettings,
  restoreSnapshot,
  SessionControl,
  SnapshotNotFoundError,
  SnapshotStore,
  type RestoreProgress,
  type RestoreReport,
} from '@fleet/backups';
import { UsageError, type Command } from '../command';
import { formatTable } from '../format';
import { progressWriter } from './progress';

interface RestoreArgs {
  readonly snapshot: string;
  readonly workspaceId?: number;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly filesOnly: boolean;
  readonly waitSeconds: number;
}

function parseArgs(args: readonly string[]): RestoreArgs {
  let snapshot: string | undefined;
  let workspaceId: number | undefined;
  let waitSeconds = 120;
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--workspace' || arg === '--wait') {
      const value = args[++i];
      if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${arg} needs a number`);
      if (arg === '--wait') waitSeconds = Number(value);
      else {
        try {
          workspaceId = assertWorkspaceId(Number(value));
        } catch {
          throw new UsageError(`--workspace must be a positive integer, got "${value}"`);
        }
      }
    } else if (arg.startsWith('--')) flags.add(arg);
    else if (snapshot === undefined) snapshot = arg;
    else throw new UsageError(`unexpected argument "${arg}"`);
  }
  const unknown = [...flags].filter((f) => !['--dry-run', '--json', '--files-only'].includes(f));
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(', ')}`);
  if (!snapshot) throw new UsageError('missing snapshot id (or "latest")');
  return { snapshot, workspaceId, dryRun: flags.has('--dry-run'), json: flags.has('--json'), filesOnly: flags.has('--files-only'), waitSeconds };
}

function describeProgress(p: RestoreProgress): string {
  if (p.phase === 'recover') return `finished ${p.done} restore(s) a crash had interrupted`;
  if (p.phase === 'download') return `download+verify: ${(p.done / 1024 / 1024).toFixed(1)}/${(p.total / 1024 / 1024).toFixed(1)} MB`;
  if (p.phase === 'stop') return `stopping sessions: ${p.done}/${p.total}`;
  if (p.phase === 'swap') return `replacing session directories: ${p.done}/${p.total}`;
  return `restarting sessions: ${p.done}/${p.total} settled${p.detail ? ` (${p.detail})` : ''}`;
}

function summarize(report: RestoreReport): string {
  const counts = new Map<string, number>();
  for (const s of report.sessions) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  const t = report.timings;
  const secs = (ms: number): string => (ms / 1000).toFixed(1);
  const verb = report.dryRun ? 'verified (dry run, nothing changed)' : 'restored';
  const recovered = report.recovered.map(
    (r) =>
      `an interrupted restore of ${r.snapshotId} (${r.state}) was ${r.action === 'rolled_back' ? 'rolled back' : 'cleaned up'} first; ${r.restarted} session(s) started again\n`,
  );
  return (
    recovered.join('') +
    `snapshot ${report.snapshotId} (${report.createdAt}) ${verb}: ${report.sessions.length} sessions in workspaces ` +
    `${report.workspaces.join(', ')}: ${parts}\n` +
    `timings: verify ${secs(t.verifyMs)} s, stop ${secs(t.stopMs)} s, swap ${secs(t.swapMs)} s, start ${secs(t.startMs)} s\n` +
    (report.dryRun || report.fleetOnline ? '' : 'no live worker: files restored; the sessions start when the workers come up\n')
  );
}

/** Sessions that were started again but did not reconnect need the operator. */
const NEEDS_ATTENTION = new Set(['needs_scan', 'failed', 'timeout']);

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Restore session state from an S3 snapshot (all workspaces or one), verified before anything is replaced',
  usage:
    'fleetctl restore <snapshot-id|latest> [--workspace N] [--dry-run] [--files-only] [--wait SECONDS] [--json]\n' +
    '  --files-only: replace files without stopping or starting sessions (fleet down); sessions are still locked and fenced\n' +
    '  exit 0: restored and every restarted session reconnected; 3: restored, some need a new scan or failed; 1: refused',
  async run({ args, redis, keys, env, out, err }) {
    const options = parseArgs(args);
    const reader = new EnvReader(env);
    const config = reader.finish(readBackupSettings(reader));
    const store = new SnapshotStore(createS3Client(config.s3), config.s3);
    // Always: the lock keeps the API and the workers off the sessions, and the records' epochs set the fences.
    const control = new SessionControl({ redis, keys });
    const progress = progressWriter(err);
    let phase = '';
    try {
      const snapshotId = options.snapshot === 'latest' ? await latest(store) : options.snapshot;
      err.write(`restoring ${snapshotId}${options.workspaceId ? ` (workspace ${options.workspaceId} only)` : ''}${options.dryRun ? ' (dry run)' : ''}\n`);
      const report = await restoreSnapshot({
        store,
        snapshotId,
        storagePath: config.storagePath,
        workspaceId: options.workspaceId,
        dryRun: options.dryRun,
        control,
        filesOnly: options.filesOnly,
        waitMs: options.waitSeconds * 1000,
        onProgress: (p) => {
          progress(describeProgress(p), p.phase !== phase || p.done === p.total);
          phase = p.phase;
        },
      });
      if (options.json) out.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        out.write(
          formatTable(
            report.sessions.map((s) => ({
              workspace: s.workspaceId,
              session: s.sessionId,
              files: s.files,
              epoch: s.snapshotEpoch ?? '-',
              fence: s.fenceEpoch ?? '-',
              replaced: s.replaced ? 'yes' : 'no',
              outcome: s.outcome,
            })),
          ),
        );
        out.write(summarize(report));
      }
      return report.sessions.some((s) => NEEDS_ATTENTION.has(s.outcome)) ? 3 : 0;
    } finally {
      await control.close();
      store.client.destroy();
    }
  },
};

async function latest(store: SnapshotStore): Promise<string> {
  const newest = (await store.list()).filter((s) => s.complete).at(-1);
  if (!newest) throw new SnapshotNotFoundError('latest');
  return newest.id;
}
