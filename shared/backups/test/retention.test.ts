import { strict as assert } from 'node:assert';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SnapshotListing } from '../src/s3/snapshot-store';
import { applyRetention, isoWeekOf, planRetention } from '../src/snapshot/retention';
import { isSnapshotId, newSnapshotId } from '../src/snapshot/snapshot-id';
import { startS3, type TestS3 } from './helpers';

const HOUR = 3600_000;
const idAt = (ms: number, suffix = 'aaaa'): string =>
  `${new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '')}-${suffix}`;
const listing = (ms: number, complete = true, suffix = 'aaaa'): SnapshotListing => ({
  id: idAt(ms, suffix),
  createdAt: new Date(Math.floor(ms / 1000) * 1000),
  archiveBytes: 10,
  complete,
  verificationStored: false,
});

describe('backup: retention', function () {
  this.timeout(30_000);
  const now = Date.UTC(2026, 10, 28, 23, 30, 0); // Saturday 2026-11-28 23:30 UTC

  it('keeps the newest of the last N hours, days and ISO weeks, and deletes the rest', () => {
    // One snapshot per hour for 40 days, plus a second one in the newest hour.
    const snapshots = Array.from({ length: 40 * 24 }, (_, i) => listing(now - i * HOUR - 20 * 60_000));
    snapshots.push(listing(now - 5 * 60_000, true, 'bbbb'));
    const plan = planRetention(snapshots, { hourly: 24, daily: 7, weekly: 4 }, now);
    const kept = new Set(plan.keep);
    // 24 hourly: the newest of hours 23:00 back to 00:00 of 2026-11-28 (the 23:00 hour's newest is the 23:25 one).
    assert.ok(kept.has(idAt(now - 5 * 60_000, 'bbbb')));
    assert.ok(!kept.has(idAt(now - 20 * 60_000)), 'the older snapshot of the newest hour is kept');
    for (let h = 1; h < 24; h += 1) assert.ok(kept.has(idAt(now - h * HOUR - 20 * 60_000)), `hour ${h} not kept`);
    // 7 daily: the newest of each day; 28th is covered by the hourly ones; days 27..22 keep their 23:10.
    for (let d = 1; d < 7; d += 1) assert.ok(kept.has(idAt(Date.UTC(2026, 10, 28 - d, 23, 10))), `day -${d} not kept`);
    assert.ok(!kept.has(idAt(Date.UTC(2026, 10, 21, 23, 10))), 'an 8th day kept');
    // 4 weekly: ISO weeks 48 (this one), 47, 46, 45: the newest of each is Sunday 23:10.
    assert.equal(isoWeekOf(new Date(now)), '2026-W48');
    for (const day of [22, 15, 8]) assert.ok(kept.has(idAt(Date.UTC(2026, 10, day, 23, 10))), `week ending ${day} not kept`);
    assert.ok(!kept.has(idAt(Date.UTC(2026, 10, 1, 23, 10))), 'a 5th week kept');
    assert.equal(plan.keep.length, 24 + 6 + 2, 'the 22nd is both a daily and a weekly keeper');
    assert.equal(plan.delete.length, snapshots.length - plan.keep.length);
  });

  it('keeps the later of two snapshots taken in the same second (ids sort by millisecond, then at random)', () => {
    const second = Date.UTC(2026, 10, 28, 23, 15, 26);
    for (let round = 0; round < 50; round += 1) {
      const earlier = newSnapshotId(new Date(second + 5));
      const later = newSnapshotId(new Date(second + 6));
      assert.ok(isSnapshotId(earlier) && isSnapshotId(later), `${earlier} ${later}`);
      const at = (id: string): SnapshotListing => ({ ...listing(second), id });
      const plan = planRetention([at(earlier), at(later)], { hourly: 24, daily: 7, weekly: 4 }, now);
      assert.deepEqual(plan.keep, [later], `${earlier} then ${later}`);
    }
  });

  it('always keeps the newest, deletes old incomplete snapshots and keeps young ones (uploads in flight)', () => {
    const plan = planRetention([listing(now - 10 * HOUR), listing(now - 7 * HOUR, false), listing(now - HOUR, false)], { hourly: 0, daily: 0, weekly: 0 }, now);
    assert.deepEqual(plan.keep, [idAt(now - 10 * HOUR)]);
    assert.deepEqual(plan.delete, [idAt(now - 7 * HOUR)]);
  });

  describe('against a real S3-compatible server', () => {
    let s3: TestS3;
    before(async () => {
      s3 = await startS3();
    });
    after(async () => {
      await s3.close();
    });

    it('deletes exactly the planned snapshots, archive and manifest', async () => {
      const put = (key: string): Promise<unknown> => s3.store.client.send(new PutObjectCommand({ Bucket: s3.settings.bucket, Key: key, Body: 'x' }));
      const times = [0, 1, 2, 3, 26, 27].map((h) => now - h * HOUR);
      for (const t of times) {
        await put(s3.store.archiveKey(idAt(t)));
        await put(s3.store.manifestKey(idAt(t)));
      }
      await put(s3.store.archiveKey(idAt(now - 30 * HOUR, 'cccc'))); // crashed upload: archive, no manifest
      await put(`${s3.settings.prefix}unrelated.txt`);
      const plan = await applyRetention(s3.store, { hourly: 2, daily: 2, weekly: 0 }, now);
      // hourly 2: now, now-1h; daily 2: the 28th (now) and the 27th (newest: now-26h = 21:30 on the 27th).
      assert.deepEqual(plan.keep, [idAt(now - 26 * HOUR), idAt(now - HOUR), idAt(now)].sort());
      assert.deepEqual(plan.delete, [idAt(now - 30 * HOUR, 'cccc'), idAt(now - 27 * HOUR), idAt(now - 3 * HOUR), idAt(now - 2 * HOUR)].sort());
      const left = await s3.store.list();
      assert.deepEqual(
        left.map((l) => [l.id, l.complete]),
        plan.keep.map((id) => [id, true]),
      );
    });
  });
});
