#!/usr/bin/env node
// `make dr-drill`: the checklist's disaster-recovery drill against the running fleet, timed.
// Reads the same variables as fleetctl (REDIS_URL, REDIS_PREFIX, SESSION_STORAGE_PATH, S3_*).
import { Redis } from 'ioredis';
import { createS3Client, readBackupSettings, SnapshotStore } from '@fleet/backups';
import { EnvReader, readCommon } from '@fleet/config';
import { createKeys } from '@fleet/keys';
import { runDrill } from '../dr/drill';

async function main(): Promise<number> {
  const reader = new EnvReader(process.env);
  const config = reader.finish({ common: readCommon(reader), ...readBackupSettings(reader) });
  if (!process.argv.includes('--yes')) {
    process.stderr.write(
      `The drill DELETES every workspace_* directory under ${config.storagePath}, restores the newest snapshot ` +
        `from s3://${config.s3.bucket}/${config.s3.prefix} and restarts every session. Run again with YES=1 (make) or --yes.\n`,
    );
    return 2;
  }
  const redis = new Redis(config.common.redisUrl, { maxRetriesPerRequest: 3 });
  const store = new SnapshotStore(createS3Client(config.s3), config.s3);
  let last = 0;
  try {
    const result = await runDrill({
      store,
      storagePath: config.storagePath,
      redis,
      keys: createKeys(config.common.redisPrefix),
      onProgress: (p) => {
        if (Date.now() - last < 1000 && p.done !== p.total) return;
        last = Date.now();
        process.stderr.write(`  ${p.phase}: ${p.done}/${p.total}${p.detail ? ` (${p.detail})` : ''}\n`);
      },
    });
    const t = result.report.timings;
    process.stdout.write(
      [
        `DR drill: restored ${result.snapshotId} (${result.report.sessions.length} sessions, ${result.deletedDirs} workspace dirs deleted)`,
        `  delete ${result.deleteMs} ms, download+verify ${t.verifyMs} ms, stop ${t.stopMs} ms, swap ${t.swapMs} ms, restart until settled ${t.startMs} ms`,
        `  total from deletion to every session settled: ${(result.totalMs / 1000).toFixed(1)} s (checklist target: < 30 min)`,
        `  outcomes: ${Object.entries(result.outcomes)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}`,
        '',
      ].join('\n'),
    );
    return result.report.sessions.every((s) => ['connected', 'not_started', 'no_record'].includes(s.outcome)) ? 0 : 3;
  } finally {
    store.client.destroy();
    redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dr-drill failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
