import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createS3Client, SnapshotStore, type S3Settings } from '@fleet/backups';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

export interface TestS3 {
  readonly settings: S3Settings;
  readonly store: SnapshotStore;
  readonly dir: string;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on a free loopback port, its data in a temp dir. */
export async function startS3(bucket = 'fleet-test'): Promise<TestS3> {
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'fleet-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const settings: S3Settings = {
    bucket,
    prefix: `t-${randomBytes(3).toString('hex')}/`,
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
  const store = new SnapshotStore(createS3Client(settings), settings);
  return {
    settings,
    store,
    dir,
    async close() {
      store.client.destroy();
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export async function tempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(tmpdir(), `fleet-${label}-`));
}

/** Writes an auth-state-like session directory: `.epoch`, `creds.json` and `n` key files. */
export async function writeSession(root: string, workspaceId: number, sessionId: string, options: { epoch?: number; keys?: number } = {}): Promise<void> {
  const dir = path.join(root, `workspace_${workspaceId}`, sessionId);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, '.epoch'), `${options.epoch ?? 3}\n`);
  await fs.writeFile(path.join(dir, 'creds.json'), JSON.stringify({ noiseKey: randomBytes(64).toString('base64'), me: { id: `${sessionId}@s.whatsapp.net` } }));
  for (let i = 0; i < (options.keys ?? 5); i += 1) {
    await fs.writeFile(
      path.join(dir, `pre-key~${i + 1}.json`),
      JSON.stringify({ private: randomBytes(32).toString('base64'), public: randomBytes(32).toString('base64') }),
    );
  }
  await fs.writeFile(path.join(dir, 'session~15550001111.0.json'), randomBytes(300).toString('base64'));
}

export const SNAPSHOT_TUNING = { partSizeBytes: 5 * 1024 * 1024, uploadQueueSize: 2, gzipLevel: 6 } as const;
