import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
// s3rver ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

/** Where the test server is, in the shape of `S3Settings` (@fleet/backups), a prefix of its own per server. */
export interface TestS3Settings {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly endpoint: string;
  readonly forcePathStyle: boolean;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface TestS3Server {
  readonly settings: TestS3Settings;
  readonly port: number;
  /** Where the server keeps its objects. */
  readonly dir: string;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on a free loopback port, its data in a temp dir, with `bucket` made. */
export async function startTestS3(bucket: string): Promise<TestS3Server> {
  const dir = await tempDir('s3');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    settings: {
      bucket,
      prefix: `t-${randomBytes(3).toString('hex')}/`,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    port,
    dir,
    async close() {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh temporary directory, `fleet-<label>-…`. */
export async function tempDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(tmpdir(), `fleet-${label}-`));
}

/** Writes an auth-state-like session directory under `root`: `.epoch`, `creds.json`, `keys` pre-key files and a Signal session. */
export async function writeSessionDir(root: string, workspaceId: number, sessionId: string, options: { epoch?: number; keys?: number } = {}): Promise<void> {
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

/** Every file under `root` (relative path → sha256), skipping nothing. */
export async function treeDigest(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else
        out.set(
          path.relative(root, full),
          createHash('sha256')
            .update(await fs.readFile(full))
            .digest('hex'),
        );
    }
  };
  await walk(root);
  return out;
}
