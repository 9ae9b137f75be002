import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { BufferJSON, proto, type SignalDataTypeMap } from 'baileys';
import { FileAuthState, FENCE_FILE, CREDS_FILE, KeyCache, keyFileName, type FileAuthStateOptions } from '../src/auth-state';
import { listTree, makeTempDir, rejectionOf, removeTempDir } from './auth-state-helpers';

describe('auth-state: FileAuthState', () => {
  let root: string;
  let dir: string;
  const open = (epoch: number, extra: Partial<FileAuthStateOptions> = {}) =>
    FileAuthState.open({ dir, sessionId: 'sess-1', epoch, cache: new KeyCache(), ...extra });

  beforeEach(async () => {
    root = await makeTempDir();
    dir = path.join(root, 'workspace_7', 'sess-1');
  });
  afterEach(async () => removeTempDir(root));

  describe('round trip', () => {
    it('starts with fresh, unregistered credentials and persists them with Buffers intact', async () => {
      const first = await open(1);
      expect(first.isRegistered).to.equal(false);
      first.state.creds.me = { id: '15550001111:3@s.whatsapp.net', name: 'Ops' };
      first.state.creds.routingInfo = Buffer.from([1, 2, 3, 250]);
      await first.saveCreds();
      await first.close();

      const second = await open(1);
      expect(second.isRegistered).to.equal(true);
      const asJson = (creds: unknown) => JSON.stringify(creds, BufferJSON.replacer);
      expect(asJson(second.state.creds)).to.equal(asJson(first.state.creds));
      expect(Buffer.isBuffer(second.state.creds.noiseKey.private)).to.equal(true);
      expect(second.state.creds.routingInfo).to.deep.equal(Buffer.from([1, 2, 3, 250]));
    });

    it('round-trips every key type, with ids that are not safe file names', async () => {
      // Compacting every batch: the key files themselves are checked below.
      const store = await open(1, { journalMaxBytes: 0 });
      const preKey: SignalDataTypeMap['pre-key'] = { public: Buffer.alloc(33, 5), private: Buffer.alloc(32, 9) };
      const session = Buffer.from('a session record \u0000 with bytes', 'utf8');
      const appKey = proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.alloc(32, 1), timestamp: 1700000000 });
      const ids = ['1', '15550001111.2', '../../escape', 'a/b\\c', 'x'.repeat(500), 'AAE=+/ü', ''];
      await store.state.keys.set({
        'pre-key': { 1: preKey },
        session: Object.fromEntries(ids.map((id) => [id, session])),
        'sender-key-memory': { 'group@g.us': { '1555@s.whatsapp.net': true } },
        'app-state-sync-key': { 'AAAAAQ==': appKey },
      });
      await store.close();

      const again = await open(1);
      const keys = again.state.keys;
      expect(await keys.get('pre-key', ['1', '2'])).to.deep.equal({ 1: preKey });
      const sessions = await keys.get('session', ids);
      expect(Object.keys(sessions).sort()).to.deep.equal([...ids].sort());
      for (const id of ids) expect(Buffer.from(sessions[id] as Uint8Array).equals(session)).to.equal(true);
      expect(await keys.get('sender-key-memory', ['group@g.us'])).to.deep.equal({
        'group@g.us': { '1555@s.whatsapp.net': true },
      });
      const app = (await keys.get('app-state-sync-key', ['AAAAAQ==']))['AAAAAQ=='];
      expect(app).to.be.instanceOf(proto.Message.AppStateSyncKeyData);
      expect(Buffer.from(app?.keyData as Uint8Array).equals(Buffer.alloc(32, 1))).to.equal(true);

      const tree = await listTree(root);
      expect(tree.every((file) => path.dirname(file) === path.join('workspace_7', 'sess-1'))).to.equal(true);
      expect(tree.length).to.equal(ids.length + 5); // .epoch, keys.journal (empty), pre-key, sessions, sender-key-memory, app-state key
    });

    it('deletes a key on set(type, {id: null})', async () => {
      const store = await open(1, { journalMaxBytes: 0 }); // compacting every batch: the removal removes the file
      await store.state.keys.set({ 'pre-key': { 5: { public: Buffer.alloc(1), private: Buffer.alloc(1) } } });
      const before = await fs.readdir(dir);
      await store.state.keys.set({ 'pre-key': { 5: null } });
      expect(await store.state.keys.get('pre-key', ['5'])).to.deep.equal({});
      expect((await fs.readdir(dir)).length).to.equal(before.length - 1);
      await store.close();
      expect(await (await open(1)).state.keys.get('pre-key', ['5'])).to.deep.equal({});
    });

    it('keeps its cache within bounds and still answers every read correctly', async () => {
      const cache = new KeyCache({ maxEntries: 3 });
      const store = await open(1, { cache });
      for (let i = 0; i < 10; i++) await store.state.keys.set({ session: { [`p${i}`]: Buffer.from([i]) } });
      for (let i = 0; i < 10; i++) {
        const got = await store.state.keys.get('session', [`p${i}`]);
        expect(Buffer.from(got[`p${i}`] as Uint8Array)).to.deep.equal(Buffer.from([i]));
      }
      expect(cache.size).to.be.at.most(3);
      await store.close();
      expect(cache.size).to.equal(0);
    });

    it('does not cache pre-keys it writes (each is read at most once), yet reads them back and forgets removed ones', async () => {
      const cache = new KeyCache();
      // Compacting every batch: journaled keys reach the cache only when the journal is compacted.
      const store = await open(1, { cache, journalMaxBytes: 0 });
      const preKeys = Object.fromEntries(
        Array.from({ length: 30 }, (_, i) => [String(i + 1), { public: Buffer.alloc(32, i), private: Buffer.alloc(32, i + 1) }]),
      );
      await store.state.keys.set({ 'pre-key': preKeys, session: { contact: Buffer.from([7]) } });
      expect(cache.size, 'only the session record is cached').to.equal(1);
      const read = await store.state.keys.get('pre-key', ['3']);
      expect(Buffer.from(read['3']!.private)).to.deep.equal(Buffer.alloc(32, 3));
      await store.state.keys.set({ 'pre-key': { '3': null } });
      expect(await store.state.keys.get('pre-key', ['3'])).to.deep.equal({});
      await store.close();
    });

    it('answers a key never stored without reading the disk; keys on disk at open or written since are read', async () => {
      // Compacting every batch: the keys are in their files (and the cache) as soon as written.
      const before = await open(1, { journalMaxBytes: 0 });
      await before.state.keys.set({ session: { old: Buffer.from([1]) } });
      await before.close();
      const cache = new KeyCache({ maxEntries: 1 });
      const store = await open(1, { cache, journalMaxBytes: 0 });
      await store.state.keys.set({ session: { fresh: Buffer.from([2]) } });
      await store.state.keys.set({ 'pre-key': { '1': { public: Buffer.alloc(33, 1), private: Buffer.alloc(32, 2) } } });
      expect(cache.size, 'the cache holds one key: the others come from the disk').to.equal(1);
      const got = await store.state.keys.get('session', ['old', 'fresh', 'never']);
      expect(Object.keys(got).sort()).to.deep.equal(['fresh', 'old']);
      // Only this lease holder writes the directory: a file appearing behind its back is not looked for.
      await fs.copyFile(path.join(dir, keyFileName('session', 'old')), path.join(dir, keyFileName('session', 'planted')));
      expect(await store.state.keys.get('session', ['planted'])).to.deep.equal({});
      await store.close();
      expect(Object.keys(await (await open(1)).state.keys.get('session', ['planted']))).to.deep.equal(['planted']);
    });

    it('applies batches in call order even when they are not awaited', async () => {
      const store = await open(1);
      const writes = Array.from({ length: 20 }, (_, i) => store.state.keys.set({ session: { s: Buffer.from([i]) } }));
      await Promise.all(writes);
      await store.close();
      const got = await (await open(1)).state.keys.get('session', ['s']);
      expect(Buffer.from(got['s'] as Uint8Array)).to.deep.equal(Buffer.from([19]));
    });
  });

  describe('clear', () => {
    it('removes credentials and keys, keeps the fence and refuses later writes', async () => {
      const store = await open(4);
      store.state.creds.me = { id: '15550001111:3@s.whatsapp.net' };
      await store.saveCreds();
      await store.state.keys.set({ session: { a: Buffer.from([1]) }, 'pre-key': { 1: { public: Buffer.alloc(1), private: Buffer.alloc(1) } } });
      await store.clear();
      expect(await fs.readdir(dir)).to.deep.equal([FENCE_FILE]);
      expect((await rejectionOf(store.saveCreds())).code).to.equal('AUTH_STATE_CLOSED');
      const fresh = await open(4);
      expect(fresh.isRegistered).to.equal(false);
      expect(await fresh.state.keys.get('session', ['a'])).to.deep.equal({});
    });
  });

  describe('fencing', () => {
    it('refuses to open with an epoch lower than one that already opened the directory', async () => {
      await open(5);
      const error = await rejectionOf(open(3));
      expect(error.name).to.equal('StaleEpochError');
      expect(error.code).to.equal('STALE_EPOCH');
      expect((await fs.readFile(path.join(dir, FENCE_FILE), 'utf8')).trim()).to.equal('5');
      await open(5);
      await open(6);
      expect((await fs.readFile(path.join(dir, FENCE_FILE), 'utf8')).trim()).to.equal('6');
    });

    it('refuses every write of the old owner once a newer epoch opened, and reports it once', async () => {
      const fenced: string[] = [];
      const old = await open(1, { onFenced: (error) => fenced.push(error.code) });
      await old.state.keys.set({ session: { a: Buffer.from('old') } });
      old.state.creds.me = { id: '1@s.whatsapp.net' };
      await old.saveCreds();

      const current = await open(2);
      await current.state.keys.set({ session: { a: Buffer.from('new') } });

      expect((await rejectionOf(Promise.resolve(old.state.keys.set({ session: { a: Buffer.from('stale') } })))).code).to.equal('STALE_EPOCH');
      expect((await rejectionOf(old.saveCreds())).code).to.equal('STALE_EPOCH');
      expect((await rejectionOf(old.clear())).code).to.equal('STALE_EPOCH');
      expect(fenced).to.deep.equal(['STALE_EPOCH']);
      expect(old.isWritable).to.equal(false);

      const check = await open(2);
      const got = await check.state.keys.get('session', ['a']);
      expect(Buffer.from(got['a'] as Uint8Array).toString()).to.equal('new');
      expect(check.state.creds.me?.id).to.equal('1@s.whatsapp.net');
    });

    it('refuses writes when the fence file disappeared under it', async () => {
      const store = await open(1);
      await fs.rm(path.join(dir, FENCE_FILE));
      expect((await rejectionOf(store.saveCreds())).code).to.equal('FENCE_MISSING');
      expect(await fs.readdir(dir)).to.not.include(CREDS_FILE);
    });

    it('rejects an epoch that is not a positive integer', async () => {
      for (const epoch of [0, -1, 1.5, Number.NaN]) {
        expect(await rejectionOf(open(epoch))).to.be.instanceOf(RangeError);
      }
    });
  });

  describe('corruption', () => {
    it('refuses to open over unparsable credentials instead of silently re-pairing', async () => {
      await (await open(1)).close();
      await fs.writeFile(path.join(dir, CREDS_FILE), '{"noiseKey":');
      expect((await rejectionOf(open(1))).code).to.equal('AUTH_STATE_CORRUPT');
    });

    it('treats an unparsable key file as missing and reports it', async () => {
      const corrupt: string[] = [];
      const store = await open(1, { onCorruptKey: (type) => corrupt.push(type), journalMaxBytes: 0 });
      await store.state.keys.set({ session: { a: Buffer.from([1]) } });
      const [name] = (await fs.readdir(dir)).filter((file) => file.startsWith('session'));
      await store.close();
      await fs.writeFile(path.join(dir, name as string), '{"type":"Buf');
      const again = await open(1, { onCorruptKey: (type) => corrupt.push(type) });
      expect(await again.state.keys.get('session', ['a'])).to.deep.equal({});
      expect(corrupt).to.deep.equal(['session']);
    });
  });
});
