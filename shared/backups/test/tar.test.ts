import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as tar from 'tar-stream';
import { TarFormatError, TarReader, type TarEntryHeader } from '../src/tar/tar-reader';
import { END_OF_ARCHIVE, packFiles } from '../src/tar/tar-writer';

interface Read {
  readonly headers: TarEntryHeader[];
  readonly files: Map<string, Buffer>;
}

/** Feeds `archive` to a TarReader in chunks of `chunk` bytes; `want` decides which contents to receive. */
function readTar(archive: Buffer, chunk: number, want: (h: TarEntryHeader) => boolean = () => true): Read {
  const read: Read = { headers: [], files: new Map() };
  const reader = new TarReader({
    entry: (header) => {
      read.headers.push(header);
      return want(header);
    },
    content: (header, data) => read.files.set(header.name, Buffer.from(data)),
  });
  for (let offset = 0; offset < archive.length; offset += chunk) reader.write(archive.subarray(offset, offset + chunk));
  reader.end();
  return read;
}

async function tarStreamArchive(entries: Array<{ name: string; data?: Buffer; type?: 'file' | 'symlink' | 'directory' }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: '/etc' });
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name, size: e.data!.length }, e.data!);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const LONG_DIR = `workspace_2147483647/${'s'.repeat(64)}`;
const FILES = [
  { name: 'workspace_1/alpha/.epoch', data: Buffer.from('3\n') },
  { name: 'workspace_1/alpha/empty.json', data: Buffer.alloc(0) },
  { name: 'workspace_1/alpha/block.json', data: randomBytes(512) },
  { name: 'workspace_1/alpha/odd.json', data: randomBytes(1537) },
  // 152 bytes: ustar prefix + name.
  { name: `${LONG_DIR}/${'k'.repeat(66)}`, data: randomBytes(40) },
  // A file name over 100 bytes: only a pax record can hold the path.
  { name: `${LONG_DIR}/${'p'.repeat(200)}`, data: randomBytes(700) },
];

describe('backup: tar writer and reader', () => {
  const ours = Buffer.concat([packFiles(FILES.map((f) => ({ ...f, mode: 0o600, mtime: 1_700_000_000 }))), END_OF_ARCHIVE]);

  for (const chunk of [1, 7, 511, 512, 4096, ours.length]) {
    it(`reads back every file byte for byte, fed in chunks of ${chunk} bytes`, () => {
      const read = readTar(ours, chunk);
      assert.deepEqual(
        read.headers.map((h) => [h.name, h.type, h.size]),
        FILES.map((f) => [f.name, 'file', f.data.length]),
      );
      for (const f of FILES) assert.deepEqual(read.files.get(f.name), f.data, f.name);
    });
  }

  it('skips the contents the handler does not want and keeps reading after them', () => {
    const read = readTar(ours, 1000, (h) => !h.name.endsWith('odd.json'));
    assert.equal(read.headers.length, FILES.length);
    assert.equal(read.files.has('workspace_1/alpha/odd.json'), false);
    assert.deepEqual(read.files.get(FILES[5]!.name), FILES[5]!.data);
  });

  it('writes headers other tar readers accept (tar-stream extracts the same names and bytes)', async () => {
    const extract = tar.extract();
    extract.end(ours);
    const seen: Array<[string, Buffer]> = [];
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
      seen.push([entry.header.name, Buffer.concat(chunks)]);
    }
    assert.deepEqual(
      seen,
      FILES.map((f) => [f.name, f.data]),
    );
  });

  it('reads archives written by tar-stream (snapshots taken before this writer), long paths included', async () => {
    const archive = await tarStreamArchive(FILES);
    const read = readTar(archive, 4096);
    for (const f of FILES) assert.deepEqual(read.files.get(f.name), f.data, f.name);
  });

  it('reports links and directories as such, so the caller can refuse them', async () => {
    const archive = await tarStreamArchive([
      { name: 'workspace_1/alpha/link.json', type: 'symlink' },
      { name: 'workspace_1/dir', type: 'directory' },
    ]);
    assert.deepEqual(
      readTar(archive, 512, () => false).headers.map((h) => h.type),
      ['symlink', 'directory'],
    );
  });

  it('refuses a damaged header, a cut archive and bytes after the end marker', () => {
    const damaged = Buffer.from(ours);
    damaged[10]! ^= 0x01;
    assert.throws(
      () => readTar(damaged, 4096),
      (e: unknown) => e instanceof TarFormatError && /checksum/.test(e.message),
    );
    assert.throws(() => readTar(ours.subarray(0, 1000), 4096), TarFormatError);
    assert.throws(() => readTar(ours.subarray(0, ours.length - 512), 4096), /end-of-archive/);
    assert.throws(() => readTar(Buffer.concat([ours, ours.subarray(0, 512)]), 4096), /after the end-of-archive/);
    assert.throws(() => readTar(Buffer.from(randomBytes(2048)), 4096), TarFormatError);
  });
});
