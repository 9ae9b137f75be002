import { EnvReader } from '@fleet/config';
import { applyRetention, createS3Client, readBackupSettings, readS3Settings, SnapshotStore, takeSnapshot } from '@fleet/backups';
import { UsageError, type Command, type CommandContext } from '../command';
import { formatTable } from '../format';
import { progressWriter } from './progress';

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function list({ env, out, args }: CommandContext): Promise<number> {
  const reader = new EnvReader(env);
  const settings = reader.finish(readS3Settings(reader));
  const store = new SnapshotStore(createS3Client(settings), settings);
  try {
    const snapshots = (await store.list()).reverse();
    if (args.includes('--json')) {
      out.write(
        `${JSON.stringify({ snapshots: snapshots.map((s) => ({ id: s.id, created_at: s.createdAt.toISOString(), archive_bytes: s.archiveBytes, complete: s.complete })) }, null, 2)}\n`,
      );
      return 0;
    }
    out.write(
      formatTable(
        snapshots.map((s) => ({
          id: s.id,
          created: s.createdAt.toISOString(),
          size: mb(s.archiveBytes),
          state: s.complete ? 'complete' : 'incomplete',
        })),
      ),
    );
    return 0;
  } finally {
    store.client.destroy();
  }
}

async function now({ env, out, err, args }: CommandContext): Promise<number> {
  const reader = new EnvReader(env);
  const config = reader.finish(readBackupSettings(reader));
  const store = new SnapshotStore(createS3Client(config.s3), config.s3);
  const progress = progressWriter(err);
  try {
    await store.ensureBucket();
    const manifest = await takeSnapshot({
      storagePath: config.storagePath,
      store,
      partSizeBytes: config.partSizeBytes,
      uploadQueueSize: config.uploadQueueSize,
      gzipLevel: config.gzipLevel,
      onProgress: (p) =>
        progress(`snapshot: ${p.sessionsDone}/${p.sessionsTotal} sessions, ${mb(p.archiveBytes)} compressed`, p.sessionsDone === p.sessionsTotal),
    });
    const retention = await applyRetention(store, config.retention);
    const summary = {
      id: manifest.id,
      sessions: manifest.totals.sessions,
      workspaces: manifest.totals.workspaces,
      files: manifest.totals.files,
      bytes: manifest.totals.bytes,
      archive_bytes: manifest.archive.bytes,
      duration_ms: manifest.durationMs,
      retention_deleted: retention.delete,
    };
    if (args.includes('--json')) out.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      out.write(
        `snapshot ${manifest.id}: ${summary.sessions} sessions in ${summary.workspaces} workspaces, ${summary.files} files, ` +
          `${mb(summary.bytes)} → ${mb(summary.archive_bytes)} in ${(summary.duration_ms / 1000).toFixed(1)} s\n`,
      );
      if (retention.delete.length > 0) out.write(`retention deleted: ${retention.delete.join(', ')}\n`);
    }
    return 0;
  } finally {
    store.client.destroy();
  }
}

export const backupCommand: Command = {
  name: 'backup',
  summary: 'List snapshots in S3, or take one now (snapshot + retention)',
  usage: 'fleetctl backup list [--json]\n       fleetctl backup now [--json]   (reads SESSION_STORAGE_PATH and the S3_* / BACKUP_* variables)',
  async run(context) {
    const [sub] = context.args;
    if (sub === 'list') return list(context);
    if (sub === 'now') return now(context);
    throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand');
  },
};
