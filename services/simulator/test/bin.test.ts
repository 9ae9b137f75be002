import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { logPatchReport } from '../src/patches';
import type { SimLogger } from '../src/util/logger';

const BIN = join(__dirname, '..', 'src', 'bin.js');

interface Started {
  child: ChildProcess;
  stdout: () => string;
  /** The JSON lines of stderr, parsed. */
  logLines: () => Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** The compiled bin as a child process on free ports, with no identities made ahead. */
function startBin(env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH ?? '', SIM_PORT: '0', SIM_IDENTITY_POOL: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    logLines: () =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
  };
}

async function until(check: () => boolean, what: string, output: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms; output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A logger that keeps what it is given. */
function recordingLogger(): SimLogger & { lines: Array<{ level: string; message: string; context?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; context?: Record<string, unknown> }> = [];
  const at = (level: string) => (message: string, context?: Record<string, unknown>) => {
    lines.push({ level, message, ...(context ? { context } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('simulator bin', function () {
  this.timeout(30_000);
  let started: Started | undefined;

  afterEach(async () => {
    if (started && started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
    await started?.exited;
    started = undefined;
  });

  it('reports at start, in one log line, which patches of third-party code applied; then serves and closes on SIGTERM', async () => {
    const bin = startBin();
    started = bin;
    const all = () => `${bin.stdout()}\n${JSON.stringify(bin.logLines())}`;
    await until(() => bin.stdout().includes('admin: http://'), 'the start banner', all);
    const reports = bin.logLines().filter((line) => typeof line.msg === 'string' && line.msg.startsWith('third-party patches'));
    expect(reports).to.have.length(1);
    expect(reports[0]).to.deep.include({ level: 'info', msg: 'third-party patches', fastCurve: { x25519: true, xeddsa: true } });
    bin.child.kill('SIGTERM');
    expect(await bin.exited).to.equal(0);
    expect(bin.stdout()).to.contain('SIGTERM: closing');
  });

  it('names each patch that did not apply, in one warning', () => {
    const logger = recordingLogger();
    logPatchReport({ fastCurve: { x25519: true, xeddsa: false } }, logger);
    expect(logger.lines).to.deep.equal([
      {
        level: 'warn',
        message: 'third-party patches: some did not apply; those parts run as libsignal ships them',
        context: { fastCurve: { x25519: true, xeddsa: false }, missing: ['fast XEdDSA'] },
      },
    ]);
    const both = recordingLogger();
    logPatchReport({ fastCurve: { x25519: false, xeddsa: false } }, both);
    expect(both.lines.map((line) => [line.level, line.context?.missing])).to.deep.equal([['warn', ['fast X25519', 'fast XEdDSA']]]);
  });
});
