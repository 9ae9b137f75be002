import { randomBytes } from 'node:crypto';

/**
 * `20261128T230000Z-1f43a2`: UTC time, sortable as text, no `:`. The suffix tells same-second snapshots
 * apart and keeps them in order: the millisecond (3 hex digits), then 3 random ones. Retention keeps
 * "the newest" by this order, so a snapshot taken in the same second as another must sort after it.
 */
export const SNAPSHOT_ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([0-9a-f]{4,16})$/;

export function newSnapshotId(at: Date = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const millisecond = at.getUTCMilliseconds().toString(16).padStart(3, '0');
  return `${stamp}-${millisecond}${randomBytes(2).toString('hex').slice(0, 3)}`;
}

export function isSnapshotId(value: string): boolean {
  return SNAPSHOT_ID_PATTERN.test(value);
}

/** The time a snapshot id encodes (second precision), or undefined for a foreign name. */
export function snapshotTime(id: string): Date | undefined {
  const match = SNAPSHOT_ID_PATTERN.exec(id);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}
