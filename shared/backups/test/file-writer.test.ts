import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FileWriteError, ThreadedFileWriter } from '../src/restore/file-writer';
import { tempDir } from './helpers';

describe('backup: the staging file writer thread', () => {
  let dir: string;
  let writer: ThreadedFileWriter;

  beforeEach(async () => {
    dir = await tempDir('writer');
    writer = new ThreadedFileWriter();
  });

  afterEach(async () => {
    await writer.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes every file of many batches byte for byte, with its mode', async () => {
    const written = new Map<string, Buffer>();
    for (let batch = 0; batch < 40; batch += 1) {
      for (let i = 0; i < 25; i += 1) {
        const file = path.join(dir, `f-${batch}-${i}`);
        const data = randomBytes(i * 97);
        written.set(file, data);
        writer.add(file, data, i === 0 ? 0o644 : 0o600);
      }
      await writer.send();
    }
    await writer.flush();
    assert.equal((await fs.readdir(dir)).length, written.size);
    for (const [file, data] of written) assert.deepEqual(await fs.readFile(file), data);
    assert.equal((await fs.stat(path.join(dir, 'f-3-0'))).mode & 0o777, 0o644);
    assert.equal((await fs.stat(path.join(dir, 'f-3-1'))).mode & 0o777, 0o600);
  });

  it('never writes over an existing file: the error names it, the file keeps its content', async () => {
    const existing = path.join(dir, 'creds.json');
    await fs.writeFile(existing, 'old');
    writer.add(path.join(dir, 'a.json'), Buffer.from('a'), 0o600);
    writer.add(existing, Buffer.from('new'), 0o600);
    await assert.rejects(
      writer.flush(),
      (error: unknown) => error instanceof FileWriteError && error.code === 'EEXIST' && error.message.includes('creds.json'),
    );
    assert.equal(await fs.readFile(existing, 'utf8'), 'old');
    assert.throws(() => writer.add(path.join(dir, 'b.json'), Buffer.from('b'), 0o600), FileWriteError);
  });
});
