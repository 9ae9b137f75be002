import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './fleet-harness';

const run = promisify(execFile);

/** Installs a Debian package through the project script when COMMAND is missing; throws (loudly) if it cannot. */
export async function ensureDebianPackage(command: string, pkg: string): Promise<void> {
  try {
    await run(path.join(REPO_ROOT, 'scripts/ensure-debian-package.sh'), [command, pkg, '--no-install-recommends'], { timeout: 300_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`could not install Debian package ${pkg} (for ${command}): ${stderr || String(error)}`, { cause: error });
  }
}

/** Runs a command; resolves with its output, or rejects with stdout and stderr in the message. */
export async function runTool(command: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, timeout: 60_000 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningPrometheus {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts /usr/bin/prometheus on a free loopback port with the given config and a throwaway TSDB. */
export async function startPrometheus(configFile: string, dataDir: string): Promise<RunningPrometheus> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
