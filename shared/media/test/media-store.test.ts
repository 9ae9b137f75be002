import { Readable } from 'node:stream';
import { expect } from 'chai';
import {
  MediaHashMismatchError,
  MediaNotAvailableError,
  MediaNotFoundError,
  MediaSweeper,
  MediaTooLargeError,
  type MediaRecord,
  type SweepResult,
} from '../src';
import { generated, readAll, sha256Of, startS3, storeOn, type StoreHarness, type TestS3 } from './helpers';

const MiB = 1024 * 1024;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('media: MediaStore against s3rver and Redis', function () {
  this.timeout(60_000);
  let s3: TestS3;
  let h: StoreHarness;

  before(async () => {
    s3 = await startS3();
  });
  after(async () => s3.close());
  beforeEach(() => {
    h = storeOn(s3);
  });
  afterEach(async () => h.close());

  it('stores a small upload and gives back the same bytes, size and sha256', async () => {
    const data = Buffer.from('hello media '.repeat(100));
    const record = await h.store.put({
      workspaceId: 7,
      kind: 'upload',
      type: 'document',
      mimetype: 'text/plain; charset=utf-8',
      filename: '../../etc/notes.txt',
      source: Readable.from([data]),
      maxBytes: MiB,
    });
    expect(record.id).to.match(/^med_[0-9a-f]{24}$/);
    expect(record).to.include({
      workspaceId: 7,
      kind: 'upload',
      type: 'document',
      status: 'available',
      size: data.length,
      sha256: sha256Of(data),
      filename: 'notes.txt',
    });
    expect(record.expiresAt - record.createdAt).to.equal(30 * 24 * 3600 * 1000);
    expect(await h.store.get(record.id)).to.deep.equal(record);
    expect(await h.objects()).to.deep.equal([`${h.settings.prefix}media/7/${record.id}`]);
    const ttl = await h.redis.pttl(h.keys.media(record.id));
    expect(ttl).to.be.within(30 * 24 * 3600 * 1000 - 60_000, 30 * 24 * 3600 * 1000);
    const { stream } = await h.store.open(record.id);
    expect((await readAll(stream)).equals(data)).to.equal(true);
  });

  it('streams a multi-part object (three 5 MiB parts) and reads it back byte-identical', async () => {
    const body = generated(11 * MiB + 123);
    const record = await h.store.put({ workspaceId: 7, kind: 'upload', type: 'video', mimetype: 'video/mp4', source: body.stream(), maxBytes: 16 * MiB });
    expect(record.size).to.equal(11 * MiB + 123);
    expect(record.sha256).to.equal(body.sha256);
    const { stream } = await h.store.open(record.id);
    expect(sha256Of(await readAll(stream))).to.equal(body.sha256);
  });

  for (const [label, size, maxBytes] of [
    ['within one part', 64 * 1024, 10_000],
    ['after parts went out', 12 * MiB, 6 * MiB],
  ] as const) {
    it(`aborts an upload past maxBytes (${label}): MediaTooLargeError, nothing left in S3 or Redis`, async () => {
      const error = await rejection(h.store.put({ workspaceId: 7, kind: 'upload', mimetype: 'image/png', source: generated(size).stream(), maxBytes }));
      expect(error).to.be.instanceOf(MediaTooLargeError);
      expect((error as MediaTooLargeError).limitBytes).to.equal(maxBytes);
      expect(await h.objects()).to.deep.equal([]);
      expect(await h.redis.zcard(h.keys.mediaExpiry)).to.equal(0);
      expect(await h.redis.keys(`${h.keys.prefix}:*`)).to.deep.equal([]);
    });
  }

  it('refuses bytes with another sha256 than expected, keeping nothing', async () => {
    const error = await rejection(
      h.store.put({
        workspaceId: 7,
        kind: 'upload',
        mimetype: 'image/png',
        source: Readable.from([Buffer.from('abc')]),
        maxBytes: 100,
        expectedSha256: 'a'.repeat(64),
      }),
    );
    expect(error).to.be.instanceOf(MediaHashMismatchError);
    expect(await h.objects()).to.deep.equal([]);
  });

  it('reserve → pending (409 on open), markUnavailable, then complete makes it available', async () => {
    const reserved = await h.store.reserve({ workspaceId: 9, kind: 'inbound', type: 'image', mimetype: 'image/jpeg' });
    expect(reserved.status).to.equal('pending');
    expect(await rejection(h.store.open(reserved.id))).to.be.instanceOf(MediaNotAvailableError);
    const failed = await h.store.markUnavailable(reserved.id, 'download timed out');
    expect(failed).to.include({ status: 'unavailable', error: 'download timed out' });
    expect(await rejection(h.store.open(reserved.id))).to.be.instanceOf(MediaNotAvailableError);

    const data = Buffer.from('jpeg bytes');
    const wrong = await rejection(h.store.complete(reserved.id, { source: Readable.from([data]), maxBytes: 100, expectedSha256: '0'.repeat(64) }));
    expect(wrong).to.be.instanceOf(MediaHashMismatchError);
    expect((await h.store.get(reserved.id))?.status).to.equal('unavailable');
    expect(await h.objects()).to.deep.equal([]);

    const done = await h.store.complete(reserved.id, { source: Readable.from([data]), maxBytes: 100, expectedSha256: sha256Of(data) });
    expect(done).to.include({ status: 'available', size: data.length, sha256: sha256Of(data), error: undefined });
    expect(await h.store.get(reserved.id)).to.deep.equal(done);
    expect(await h.store.markUnavailable(reserved.id, 'late failure')).to.include({ status: 'available' });
    expect((await readAll((await h.store.open(reserved.id)).stream)).equals(data)).to.equal(true);
    expect(await rejection(h.store.complete('med_000000000000000000000000', { source: Readable.from([data]), maxBytes: 100 }))).to.be.instanceOf(
      MediaNotFoundError,
    );
  });

  it('removes an object and its record; unknown and malformed ids are not found', async () => {
    const record = await h.store.put({ workspaceId: 7, kind: 'upload', mimetype: 'image/png', source: Readable.from([Buffer.from('png')]), maxBytes: 100 });
    expect(await h.store.remove(record.id)).to.equal(true);
    expect(await h.store.get(record.id)).to.equal(undefined);
    expect(await h.objects()).to.deep.equal([]);
    expect(await h.store.remove(record.id)).to.equal(false);
    expect(await rejection(h.store.open(record.id))).to.be.instanceOf(MediaNotFoundError);
    expect(await h.store.get('../../etc/passwd')).to.equal(undefined);
  });

  it('signs links that verify until they expire, and refuses tampered ones', async () => {
    const record = await h.store.put({ workspaceId: 7, kind: 'upload', mimetype: 'image/png', source: Readable.from([Buffer.from('png')]), maxBytes: 100 });
    const { url, expiresAt } = h.store.signedUrl(record.id, 'https://fleet.example.com/', 600);
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).to.equal(`https://fleet.example.com/media/${record.id}`);
    const expires = parsed.searchParams.get('expires')!;
    const signature = parsed.searchParams.get('signature')!;
    expect(Number(expires) * 1000).to.equal(expiresAt);
    expect(h.store.verify(record.id, expires, signature)).to.equal('valid');
    expect(h.store.verify(record.id, expires, signature, expiresAt + 1000)).to.equal('expired');
    expect(h.store.verify(record.id, String(Number(expires) + 1), signature)).to.equal('invalid');
    expect(h.store.verify('med_000000000000000000000000', expires, signature)).to.equal('invalid');
    const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    expect(h.store.verify(record.id, expires, flipped)).to.equal('invalid');
    expect(h.store.verify(record.id, expires, signature.slice(2))).to.equal('invalid');
    const other = storeOn(s3, { signingSecret: 'another-secret-0123456789abcdef' });
    try {
      expect(other.store.verify(record.id, expires, signature)).to.equal('invalid');
    } finally {
      await other.close();
    }
  });
});

describe('media: retention (sweep) against s3rver and Redis', function () {
  this.timeout(60_000);
  let s3: TestS3;
  let h: StoreHarness;

  before(async () => {
    s3 = await startS3();
  });
  after(async () => s3.close());
  beforeEach(() => {
    h = storeOn(s3, { retentionSeconds: 60, sweepBatch: 2 });
  });
  afterEach(async () => h.close());

  const put = (workspaceId: number): Promise<MediaRecord> =>
    h.store.put({ workspaceId, kind: 'upload', mimetype: 'image/png', source: Readable.from([Buffer.from(`png ${workspaceId}`)]), maxBytes: 100 });

  it('records expire by TTL; sweep deletes the objects past their expiry, a bounded batch per call', async () => {
    const records = [await put(1), await put(2), await put(3)];
    expect(await h.redis.pttl(h.keys.media(records[0]!.id))).to.be.within(50_000, 60_000);
    expect(await h.store.sweep()).to.deep.equal({ deleted: 0, failed: 0 });
    expect(await h.objects()).to.have.length(3);

    const later = Math.max(...records.map((r) => r.expiresAt)) + 1;
    expect(await h.store.sweep(later)).to.deep.equal({ deleted: 2, failed: 0 });
    expect(await h.objects()).to.have.length(1);
    expect(await h.store.sweep(later)).to.deep.equal({ deleted: 1, failed: 0 });
    expect(await h.objects()).to.deep.equal([]);
    expect(await h.redis.zcard(h.keys.mediaExpiry)).to.equal(0);
    for (const record of records) expect(await h.store.get(record.id)).to.equal(undefined);
  });

  it('MediaSweeper sweeps batch after batch in one round and reports what it deleted', async () => {
    const records = [await put(1), await put(2), await put(3)];
    const results: SweepResult[] = [];
    const sweeper = new MediaSweeper({
      store: h.store,
      onResult: (result) => results.push(result),
      onError: (error) => {
        throw error;
      },
    });
    await sweeper.runOnce(Math.max(...records.map((r) => r.expiresAt)) + 1);
    await sweeper.close();
    expect(results).to.deep.equal([
      { deleted: 2, failed: 0 },
      { deleted: 1, failed: 0 },
    ]);
    expect(await h.objects()).to.deep.equal([]);
  });

  it('keeps what has not expired', async () => {
    const old = await put(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const young = await put(2);
    expect(await h.store.sweep(old.expiresAt + 1)).to.deep.equal({ deleted: 1, failed: 0 });
    expect(await h.objects()).to.deep.equal([`${h.settings.prefix}media/2/${young.id}`]);
    expect((await h.store.get(young.id))?.status).to.equal('available');
  });
});
