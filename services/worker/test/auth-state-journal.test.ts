import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { BufferJSON } from 'baileys';
import { CREDS_FILE, FENCE_FILE, FileAuthState, JOURNAL_FILE, KeyCache, keyFileName, type FileAuthStateOptions } from '../src/auth-state';
import { writeBatch } from '../src/auth-state/disk-ops';
import { journalEntriesSync } from '../src/auth-state/journal';
import { makeTempDir, rejectionOf, removeTempDir, runUnderFileSizeLimit } from './auth-state-helpers';

const JOURNAL_MODULE = require.resolve('../src/auth-state/journal');

/**
 * Appends a record of argv[2] KiB to the journal of directory argv[1] under a file-size limit smaller
 * than that (set by the shell that starts it): write(2) writes what fits; prints the error code, if any.
 */
const APPEND_UNDER_SIZE_LIMIT = `
const { appendJournalSync } = require(${JSON.stringify(JOURNAL_MODULE)});
try { appendJournalSync(process.argv[1], [{ name: 'session~big.json', text: 'n'.repeat(Number(process.argv[2]) * 1024) }], { fsync: true, maxBytes: 2 ** 30, keepBytes: 0 }); console.error('written'); }
catch (error) { console.error(error.code); }`;

describe('auth-state: key journal', () => {
  let root: string;
  let dir: string;
  const open = (extra: Partial<FileAuthStateOptions> = {}) => FileAuthState.open({ dir, sessionId: 'sess-j', epoch: 1, cache: new KeyCache(), ...extra });
  const journal = () => path.join(dir, JOURNAL_FILE);
  const keyFile = (id: string) => path.join(dir, keyFileName('session', id));
  const exists = (file: string) => fs.existsSync(file);
  /** The session records `ids` as strings (absent ones left out). */
  const sessions = async (store: FileAuthState, ids: string[]): Promise<Record<string, string>> => {
    const got = await store.state.keys.get('session', ids);
    return Object.fromEntries(Object.entries(got).map(([id, value]) => [id, Buffer.from(value).toString()]));
  };
  /** One batch of a session record `id` straight to the disk ops (no store), with a bound that never compacts. */
  const sessionBatch = (id: string) =>
    writeBatch({
      dir,
      epoch: 1,
      fsync: false,
      changes: [{ name: keyFileName('session', id), text: `"${id}"` }],
      journal: { maxBytes: 1 << 20, keepBytes: 1 << 19 },
    });
  const setSession = (store: FileAuthState, values: Record<string, string | null>) =>
    store.state.keys.set({ session: Object.fromEntries(Object.entries(values).map(([id, v]) => [id, v === null ? null : Buffer.from(v)])) });

  beforeEach(async () => {
    root = await makeTempDir();
    dir = path.join(root, 'workspace_3', 'sess-j');
  });
  afterEach(async () => removeTempDir(root));

  it('appends a batch to the journal only, and a new store replays it, removals included, over older key files', async () => {
    const first = await open({ journalMaxBytes: 0 });
    await setSession(first, { a: 'a1', gone: 'g1' });
    await first.close();
    expect(exists(keyFile('a')) && exists(keyFile('gone')), 'compacted into files').to.equal(true);

    const second = await open();
    await setSession(second, { a: 'a2', b: 'b1' });
    await setSession(second, { gone: null });
    expect(await sessions(second, ['a', 'b', 'gone'])).to.deep.equal({ a: 'a2', b: 'b1' });
    await second.close();
    expect(exists(keyFile('b')), 'no key file per batch').to.equal(false);
    expect(fs.readFileSync(keyFile('a'), 'utf8'), 'the file still holds the older value').to.include(Buffer.from('a1').toString('base64'));
    expect(exists(keyFile('gone')), 'nor a removal').to.equal(true);
    expect(fs.statSync(journal()).size).to.be.greaterThan(0);

    const third = await open({ cache: new KeyCache({ maxEntries: 1 }) });
    expect(await sessions(third, ['a', 'b', 'gone', 'never'])).to.deep.equal({ a: 'a2', b: 'b1' });
    expect(await sessions(third, ['a', 'b', 'gone', 'never']), 'read twice: not shadowed by the files once cached').to.deep.equal({ a: 'a2', b: 'b1' });
  });

  it('cuts off a torn tail (garbage, or a record cut short) at open, keeps the records before it, and appends after them', async () => {
    const store = await open();
    await setSession(store, { a: 'a1' });
    const afterFirst = fs.statSync(journal()).size;
    await setSession(store, { b: 'b1' });
    await store.close();
    const whole = fs.statSync(journal()).size;

    fs.appendFileSync(journal(), Buffer.from('FKJ1 not a record'));
    const garbage = await open();
    expect(fs.statSync(journal()).size, 'the garbage is cut off').to.equal(whole);
    expect(await sessions(garbage, ['a', 'b'])).to.deep.equal({ a: 'a1', b: 'b1' });
    await garbage.close();

    fs.truncateSync(journal(), whole - 3); // the second record cut short
    const torn = await open();
    expect(fs.statSync(journal()).size, 'truncated to the last whole record').to.equal(afterFirst);
    expect(await sessions(torn, ['a', 'b'])).to.deep.equal({ a: 'a1' });
    await setSession(torn, { c: 'c1' });
    await torn.close();

    const again = await open();
    expect(await sessions(again, ['a', 'b', 'c'])).to.deep.equal({ a: 'a1', c: 'c1' });
  });

  it('cuts off garbage that appeared behind an open store before its next append', async () => {
    const store = await open();
    await setSession(store, { a: 'a1' });
    fs.appendFileSync(journal(), Buffer.alloc(40, 7));
    await setSession(store, { b: 'b1' });
    await store.close();
    expect(await sessions(await open(), ['a', 'b'])).to.deep.equal({ a: 'a1', b: 'b1' });
  });

  it('an append that fails part-way (only part of the record fits) is cut off at once, so later appends replay', async () => {
    const store = await open();
    await setSession(store, { a: 'a1' });
    await store.close();
    const before = fs.statSync(journal()).size;
    // ulimit -f 16: 8 KiB (dash, 512-byte blocks) or 16 KiB (bash); the 64 KiB record stops there.
    const result = await runUnderFileSizeLimit(APPEND_UNDER_SIZE_LIMIT, [dir, '64']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr.trim()).to.equal('EFBIG');
    expect(fs.statSync(journal()).size, 'the part written is cut off').to.equal(before);
    const again = await open();
    await setSession(again, { b: 'b1' });
    await again.close();
    expect(await sessions(await open(), ['a', 'b', 'big'])).to.deep.equal({ a: 'a1', b: 'b1' });
  });

  it('compacts into key files at journalMaxBytes and empties the journal; reads stay right across it, with a tiny cache', async () => {
    const cache = new KeyCache({ maxEntries: 1 });
    const store = await open({ journalMaxBytes: 400, journalKeepBytes: 0, cache });
    await setSession(store, { a: 'a1', x: 'x1' });
    expect(exists(keyFile('a'))).to.equal(false);
    let compacted = false;
    for (let i = 0; i < 20 && !compacted; i++) {
      await setSession(store, { a: `a${i + 2}` });
      compacted = fs.statSync(journal()).size === 0;
      expect(await sessions(store, ['a', 'x'])).to.deep.equal({ a: `a${i + 2}`, x: 'x1' });
    }
    expect(compacted, 'the journal was emptied').to.equal(true);
    const written = await sessions(store, ['a']);
    expect(fs.readFileSync(keyFile('a'), 'utf8')).to.equal(JSON.stringify(Buffer.from(written['a'] as string), BufferJSON.replacer));
    expect(exists(keyFile('x'))).to.equal(true);

    await setSession(store, { a: 'rewritten' }); // journaled again, over the compacted file
    expect(fs.statSync(journal()).size).to.be.greaterThan(0);
    await setSession(store, { y: 'y1' }); // the cache (one entry) holds something else now
    expect(await sessions(store, ['a', 'x', 'y'])).to.deep.equal({ a: 'rewritten', x: 'x1', y: 'y1' });
    await store.close();
    expect(await sessions(await open(), ['a', 'x', 'y'])).to.deep.equal({ a: 'rewritten', x: 'x1', y: 'y1' });
  });

  it('rewrites the journal as its values when they fit in journalKeepBytes: no key file, the journal back to one record', async () => {
    const cache = new KeyCache({ maxEntries: 1 });
    const store = await open({ journalMaxBytes: 1_000, journalKeepBytes: 500, cache });
    await setSession(store, { a: 'a1', x: 'x1', gone: 'g1' });
    await setSession(store, { gone: null });
    const sizes: number[] = [];
    for (let i = 0; i < 40; i++) {
      await setSession(store, { a: `a${i + 2}` });
      sizes.push(fs.statSync(journal()).size);
      expect(await sessions(store, ['a', 'x', 'gone'])).to.deep.equal({ a: `a${i + 2}`, x: 'x1' });
    }
    const rewrites = sizes.filter((size, i) => i > 0 && size < sizes[i - 1]!).length;
    expect(rewrites, `journal sizes ${sizes.join(' ')}`).to.be.greaterThan(1);
    expect(Math.max(...sizes)).to.be.below(1_000 + 100);
    expect(
      fs.readdirSync(dir).filter((name) => name.startsWith('session')),
      'no key file written',
    ).to.deep.equal([]);
    // One record of the values, last wins, the removal kept (a file of it could exist from before).
    const values = journalEntriesSync(dir);
    expect(values.map((entry) => entry.name).sort()).to.deep.equal(
      [keyFileName('session', 'a'), keyFileName('session', 'gone'), keyFileName('session', 'x')].sort(),
    );
    expect(values.find((entry) => entry.name === keyFileName('session', 'gone'))?.text).to.equal(null);

    await setSession(store, { y: 'y1' }); // appended to the rewritten journal, not to the replaced one
    await store.close();
    const reopened = await open({ cache: new KeyCache({ maxEntries: 1 }) });
    expect(await sessions(reopened, ['a', 'x', 'y', 'gone'])).to.deep.equal({ a: 'a41', x: 'x1', y: 'y1' });
    await reopened.close();
  });

  it('refuses a journalKeepBytes over half of journalMaxBytes (a rewrite could then leave no room before the next)', async () => {
    const error = await rejectionOf(open({ journalMaxBytes: 1_000, journalKeepBytes: 501 }));
    expect(error).to.be.instanceOf(RangeError);
    expect((error as Error).message).to.match(/journalKeepBytes must be an integer from 0 to half of journalMaxBytes \(1000\), got 501/);
  });

  it('writes the key files instead when the values outgrow journalKeepBytes', async () => {
    const store = await open({ journalMaxBytes: 1_000, journalKeepBytes: 500 });
    const values: Record<string, string> = {};
    for (let i = 0; i < 30; i++) values[`k${i}`] = 'v'.repeat(40) + i;
    for (const [id, value] of Object.entries(values)) await setSession(store, { [id]: value });
    expect(exists(keyFile('k0')), 'compacted into files').to.equal(true);
    expect(await sessions(store, Object.keys(values))).to.deep.equal(values);
    await store.close();
    expect(await sessions(await open(), Object.keys(values))).to.deep.equal(values);
  });

  it('replaying a journal the compaction did not empty (a crash between its steps) gives what the files hold', async () => {
    const store = await open();
    await setSession(store, { a: 'a1' });
    await setSession(store, { a: 'a2', b: 'b1' });
    await store.close();
    const before = fs.readFileSync(journal());
    const compacting = await open({ journalMaxBytes: 0 });
    await setSession(compacting, { c: 'c1' });
    await compacting.close();
    expect(fs.statSync(journal()).size).to.equal(0);
    fs.writeFileSync(journal(), before);
    expect(await sessions(await open(), ['a', 'b', 'c'])).to.deep.equal({ a: 'a2', b: 'b1', c: 'c1' });
  });

  it('refuses a stale epoch before appending anything', async () => {
    const old = await open();
    await setSession(old, { a: 'old' });
    const before = fs.readFileSync(journal());
    await open({ epoch: 2 });
    expect((await rejectionOf(Promise.resolve(setSession(old, { a: 'stale' })))).code).to.equal('STALE_EPOCH');
    expect(fs.readFileSync(journal()).equals(before), 'journal unchanged').to.equal(true);
  });

  it('keeps journaled keys out of the cache: evicting it loses none of them', async () => {
    const cache = new KeyCache({ maxEntries: 2 });
    const store = await open({ cache });
    for (let i = 0; i < 12; i++) await setSession(store, { [`p${i}`]: `v${i}` });
    expect(cache.size).to.be.at.most(2);
    const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const expected = Object.fromEntries(ids.map((id, i) => [id, `v${i}`]));
    expect(await sessions(store, ids)).to.deep.equal(expected);
    expect(await sessions(store, [...ids].reverse())).to.deep.equal(expected);
    expect(
      ids.some((id) => exists(keyFile(id))),
      'only the journal holds them',
    ).to.equal(false);
  });

  it('opens a directory of the old layout (key files only, no journal) and journals on top of it', async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, FENCE_FILE), '1\n');
    fs.writeFileSync(keyFile('a'), JSON.stringify(Buffer.from('a-old-layout'), BufferJSON.replacer));
    fs.writeFileSync(keyFile('b'), JSON.stringify(Buffer.from('b-old-layout'), BufferJSON.replacer));
    const store = await open();
    expect(await sessions(store, ['a', 'b'])).to.deep.equal({ a: 'a-old-layout', b: 'b-old-layout' });
    await setSession(store, { b: 'b-new', c: 'c-new' });
    await store.close();
    expect(await sessions(await open(), ['a', 'b', 'c'])).to.deep.equal({ a: 'a-old-layout', b: 'b-new', c: 'c-new' });
  });

  it('clear removes the journal with the keys', async () => {
    const store = await open();
    store.state.creds.me = { id: '1@s.whatsapp.net' };
    await store.saveCreds();
    await setSession(store, { a: 'a1' });
    expect(fs.readdirSync(dir).sort()).to.deep.equal([FENCE_FILE, JOURNAL_FILE].sort());
    await store.clear();
    expect(fs.readdirSync(dir)).to.deep.equal([FENCE_FILE]);
    expect(await sessions(await open(), ['a'])).to.deep.equal({});
  });

  it('appends credentials to the journal; a new store reads the last ones, ahead of an older creds.json; compaction writes creds.json', async () => {
    const first = await open({ journalMaxBytes: 0 });
    first.state.creds.me = { id: '100:1@s.whatsapp.net' };
    await first.saveCreds();
    await first.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, CREDS_FILE), 'utf8')).me.id, 'compacted: in creds.json').to.equal('100:1@s.whatsapp.net');

    const second = await open();
    expect(second.state.creds.me?.id).to.equal('100:1@s.whatsapp.net');
    second.state.creds.me = { id: '200:1@s.whatsapp.net' };
    await second.saveCreds();
    await setSession(second, { a: 'a1' });
    second.state.creds.me = { id: '300:1@s.whatsapp.net' };
    await second.saveCreds();
    await second.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, CREDS_FILE), 'utf8')).me.id, 'creds.json untouched by an append').to.equal('100:1@s.whatsapp.net');
    expect(journalEntriesSync(dir).find((entry) => entry.name === CREDS_FILE)?.text, 'read without opening').to.include('300:1@');

    const third = await open({ journalMaxBytes: 1 });
    expect(third.state.creds.me?.id, 'the journal is newer than creds.json').to.equal('300:1@s.whatsapp.net');
    expect(await sessions(third, ['a'])).to.deep.equal({ a: 'a1' });
    // The next write compacts: creds.json and the key file hold the journal's values, which is emptied.
    await setSession(third, { b: 'b1' });
    await third.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, CREDS_FILE), 'utf8')).me.id).to.equal('300:1@s.whatsapp.net');
    expect(fs.statSync(journal()).size).to.equal(0);
    const fourth = await open();
    expect(fourth.state.creds.me?.id).to.equal('300:1@s.whatsapp.net');
    expect(await sessions(fourth, ['a', 'b'])).to.deep.equal({ a: 'a1', b: 'b1' });
  });

  it('refuses a journal name that is neither a key file nor the credentials', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, FENCE_FILE), '1\n');
    for (const name of ['.epoch', 'keys.journal', '../creds.json', 'notes.txt']) {
      expect(
        () => writeBatch({ dir, epoch: 1, fsync: false, changes: [{ name, text: 'x' }], journal: { maxBytes: 1 << 20, keepBytes: 1 << 19 } }),
        name,
      ).to.throw(/not a key file/);
    }
  });

  it('keeps the journal open between batches: no open or close of it per batch, and the fence read once each', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, FENCE_FILE), '1\n');
    const opened: string[] = [];
    let closed = 0;
    const mutableFs = fs as unknown as Record<'openSync' | 'closeSync', (...args: unknown[]) => unknown>;
    const originals = { openSync: mutableFs.openSync, closeSync: mutableFs.closeSync };
    mutableFs.openSync = (...args) => (opened.push(path.basename(String(args[0]))), originals.openSync(...args));
    mutableFs.closeSync = (...args) => (closed++, originals.closeSync(...args));
    try {
      sessionBatch('first');
      opened.length = closed = 0;
      for (const id of ['a', 'b', 'c']) expect(sessionBatch(id)).to.deep.equal({ kind: 'held' });
      expect(opened, 'the fence, once a batch; the journal not again').to.deep.equal([FENCE_FILE, FENCE_FILE, FENCE_FILE]);
      expect(closed, 'the fence only').to.equal(3);
    } finally {
      Object.assign(mutableFs, originals);
    }
    expect(journalEntriesSync(dir).map((entry) => entry.text)).to.deep.equal(['"first"', '"a"', '"b"', '"c"']);
  });

  it('a journal removed behind the open one is opened again: the next batch lands in the file on disk', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, FENCE_FILE), '1\n');
    sessionBatch('before');
    fs.rmSync(journal());
    sessionBatch('after');
    expect(journalEntriesSync(dir).map((entry) => entry.text)).to.deep.equal(['"after"']);
  });

  it('costs one fdatasync and no rename per key batch (an atomic file per key cost three fsyncs and two renames), none without fsync', () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, FENCE_FILE), '1\n');
    const counts = { sync: 0, rename: 0 };
    const mutableFs = fs as unknown as Record<'fsyncSync' | 'fdatasyncSync' | 'renameSync', (...args: unknown[]) => unknown>;
    const originals = { fsyncSync: mutableFs.fsyncSync, fdatasyncSync: mutableFs.fdatasyncSync, renameSync: mutableFs.renameSync };
    mutableFs.fsyncSync = (...args) => (counts.sync++, originals.fsyncSync(...args));
    mutableFs.fdatasyncSync = (...args) => (counts.sync++, originals.fdatasyncSync(...args));
    mutableFs.renameSync = (...args) => (counts.rename++, originals.renameSync(...args));
    const batch = (fsync: boolean) => {
      counts.sync = counts.rename = 0;
      const changes = [
        { name: keyFileName('session', 'peer'), text: '"p"' },
        { name: keyFileName('session', 'own'), text: '"o"' },
      ];
      expect(writeBatch({ dir, epoch: 1, fsync, changes, journal: { maxBytes: 1 << 20, keepBytes: 1 << 19 } })).to.deep.equal({ kind: 'held' });
      return { ...counts };
    };
    try {
      expect(batch(true), 'creating the journal syncs the directory once').to.deep.equal({ sync: 2, rename: 0 });
      expect(batch(true), 'journal').to.deep.equal({ sync: 1, rename: 0 });
      expect(batch(false), 'journal, fsync off').to.deep.equal({ sync: 0, rename: 0 });
      counts.sync = counts.rename = 0;
      expect(
        writeBatch({ dir, epoch: 1, fsync: true, changes: [{ name: CREDS_FILE, text: '{}' }], journal: { maxBytes: 1 << 20, keepBytes: 1 << 19 } }),
      ).to.deep.equal({
        kind: 'held',
      });
      expect({ ...counts }, 'credentials (an atomic file before: two fsyncs and a rename)').to.deep.equal({ sync: 1, rename: 0 });
    } finally {
      Object.assign(mutableFs, originals);
    }
  });
});
