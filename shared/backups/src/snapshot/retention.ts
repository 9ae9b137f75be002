import type { RetentionPolicy } from '../settings';
import type { SnapshotListing, SnapshotStore } from '../s3/snapshot-store';

/** An incomplete snapshot (archive without manifest) older than this is debris of a crash and deleted. */
export const INCOMPLETE_GRACE_MS = 6 * 3600_000;

export interface RetentionPlan {
  readonly keep: readonly string[];
  readonly delete: readonly string[];
}

const hourOf = (d: Date): string => d.toISOString().slice(0, 13);
const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

/** ISO-8601 week (UTC) as `YYYY-Www`. */
export function isoWeekOf(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Keeps the newest snapshot of each of the `count` most recent periods that have one. */
function newestPerPeriod(complete: readonly SnapshotListing[], count: number, period: (d: Date) => string): string[] {
  const kept: string[] = [];
  const seen = new Set<string>();
  for (const snapshot of complete) {
    if (seen.size >= count) break;
    const key = period(snapshot.createdAt);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(snapshot.id);
  }
  return kept;
}

/**
 * Grandfather-father-son retention over complete snapshots: the newest of each of the last
 * `hourly` hours, `daily` days and `weekly` ISO weeks (UTC) that have a snapshot; a snapshot kept by
 * any rule stays. The newest complete snapshot always stays. Incomplete snapshots are deleted once
 * older than the grace period (a running upload is younger).
 */
export function planRetention(snapshots: readonly SnapshotListing[], policy: RetentionPolicy, now = Date.now()): RetentionPlan {
  const complete = snapshots.filter((s) => s.complete).sort((a, b) => b.id.localeCompare(a.id));
  const keep = new Set<string>([
    ...complete.slice(0, 1).map((s) => s.id),
    ...newestPerPeriod(complete, policy.hourly, hourOf),
    ...newestPerPeriod(complete, policy.daily, dayOf),
    ...newestPerPeriod(complete, policy.weekly, isoWeekOf),
  ]);
  const doomed = snapshots.filter((s) => (s.complete ? !keep.has(s.id) : now - s.createdAt.getTime() > INCOMPLETE_GRACE_MS));
  return { keep: [...keep].sort(), delete: doomed.map((s) => s.id).sort() };
}

/** Lists the bucket, plans and deletes; returns what was deleted. */
export async function applyRetention(store: SnapshotStore, policy: RetentionPolicy, now = Date.now()): Promise<RetentionPlan> {
  const plan = planRetention(await store.list(), policy, now);
  for (const id of plan.delete) await store.delete(id);
  return plan;
}
