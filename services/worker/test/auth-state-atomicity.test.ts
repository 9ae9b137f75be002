import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CREDS_FILE, FileAuthState, KeyCache, keyFileName } from '../src/auth-state';
import { makeTempDir, removeTempDir, runUnderFileSizeLimit } from './auth-state-helpers';

const ATOMIC_FILE_MODULE = require.resolve('../src/auth-state/atomic-file');

/** Runs a Node script in a child process; resolves with how it ended. */
function runNode(script: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** Writes argv[3] into argv[2] atomically, and kills itself with SIGKILL just before the rename. */
const CRASH_BEFORE_RENAME = `
const { writeFileAtomicSync } = require(${JSON.stringify(ATOMIC_FILE_MODULE)});
writeFileAtomicSync(process.argv[1], process.argv[2], {
  beforeRename: () => { process.kill(process.pid, 'SIGKILL'); },
});`;

/** Rewrites argv[1] argv[3] times with argv[2] repeated 256 KiB, atomically, as fast as it can. */
const HAMMER = `
const { writeFileAtomicSync } = require(${JSON.stringify(ATOMIC_FILE_MODULE)});
const payload = process.argv[2].repeat(256 * 1024);
for (let i = 0; i < Number(process.argv[3]); i++) writeFileAtomicSync(process.argv[1], payload, { fsync: false });`;

/**
 * Writes argv[2] KiB atomically into argv[1] under a file-size limit smaller than that (set by the
 * shell that starts it), where write(2) writes what fits and says so; prints the error code, if any.
 */
const WRITE_UNDER_SIZE_LIMIT = `
const { writeFileAtomicSync } = require(${JSON.stringify(ATOMIC_FILE_MODULE)});
try { writeFileAtomicSync(process.argv[1], 'n'.repeat(Number(process.argv[2]) * 1024)); console.error('written'); }
catch (error) { console.error(error.code); }`;

describe('auth-state: atomicity', function () {
  this.timeout(60_000);
  let root: string;

  beforeEach(async () => (root = await makeTempDir()));
  afterEach(async () => removeTempDir(root));

  it('a process killed between the temporary write and the rename leaves the old file intact', async () => {
    const dir = path.join(root, 'workspace_1', 's1');
    // Compacted at every write: creds.json is written as an atomic file (as when the journal fills up).
    const store = await FileAuthState.open({ dir, sessionId: 's1', epoch: 1, cache: new KeyCache(), journalMaxBytes: 0 });
    store.state.creds.me = { id: '100:1@s.whatsapp.net' };
    await store.saveCreds();
    await store.close();
    const before = await fs.readFile(path.join(dir, CREDS_FILE), 'utf8');

    const replacement = before.replace('100:1@', '200:1@');
    const result = await runNode(CRASH_BEFORE_RENAME, [path.join(dir, CREDS_FILE), replacement]);
    expect(result.signal, result.stderr).to.equal('SIGKILL');

    expect(await fs.readFile(path.join(dir, CREDS_FILE), 'utf8')).to.equal(before);
    const leftovers = (await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).to.have.length(1);
    expect(await fs.readFile(path.join(dir, leftovers[0] as string), 'utf8')).to.equal(replacement);

    const reopened = await FileAuthState.open({ dir, sessionId: 's1', epoch: 1, cache: new KeyCache() });
    expect(reopened.state.creds.me?.id).to.equal('100:1@s.whatsapp.net');
    expect((await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('a short write (only part of the data fits) fails the write and leaves the old file, never a truncated one', async () => {
    const file = path.join(root, 'creds.json');
    const before = JSON.stringify({ old: 'o'.repeat(200) });
    await fs.writeFile(file, before);
    // ulimit -f 16: 8 KiB (dash, 512-byte blocks) or 16 KiB (bash); the 64 KiB write stops there.
    const result = await runUnderFileSizeLimit(WRITE_UNDER_SIZE_LIMIT, [file, '64']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr.trim()).to.equal('EFBIG');
    const after = await fs.readFile(file, 'utf8');
    expect(after.length, 'the file was replaced by the part of the data that fitted').to.equal(before.length);
    expect(after).to.equal(before);
    expect((await fs.readdir(root)).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('processes rewriting the same file concurrently never let a reader see a torn file', async () => {
    const file = path.join(root, 'contended.json');
    await fs.writeFile(file, 'a'.repeat(256 * 1024));
    const writers = ['b', 'c', 'd'].map((letter) => runNode(HAMMER, [file, letter, '60']));
    let done = false;
    const finished = Promise.all(writers).finally(() => (done = true));
    let reads = 0;
    const seen = new Set<string>();
    while (!done) {
      const text = await fs.readFile(file, 'utf8');
      expect(text.length).to.equal(256 * 1024);
      const first = text[0] as string;
      expect(text === first.repeat(text.length), `torn read mixing ${first} and others`).to.equal(true);
      seen.add(first);
      reads += 1;
    }
    for (const result of await finished) expect(result.code, result.stderr).to.equal(0);
    expect(reads).to.be.greaterThan(10);
    expect(seen.size).to.be.greaterThan(1);
    expect((await fs.readdir(root)).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('two stores writing the same key at once leave one complete value', async () => {
    const dir = path.join(root, 'workspace_1', 's2');
    // Compacting every batch: the key file itself is checked below.
    const stores = await Promise.all([1, 2].map(() => FileAuthState.open({ dir, sessionId: 's2', epoch: 3, cache: new KeyCache(), journalMaxBytes: 0 })));
    const values = Array.from({ length: 40 }, (_, i) => Buffer.alloc(64 * 1024, i));
    await Promise.all(values.map((value, i) => stores[i % 2]?.state.keys.set({ session: { peer: value } })));
    const raw = await fs.readFile(path.join(dir, keyFileName('session', 'peer')), 'utf8');
    const check = await FileAuthState.open({ dir, sessionId: 's2', epoch: 3, cache: new KeyCache() });
    const got = Buffer.from((await check.state.keys.get('session', ['peer']))['peer'] as Uint8Array);
    expect(raw.length).to.be.greaterThan(64 * 1024);
    expect(values.some((value) => value.equals(got))).to.equal(true);
  });
});
