import path from 'node:path';
import type { Keys } from '@fleet/keys';
import { readLua, reply, TypedScript } from '@fleet/redis';

/**
 * The media store's Redis changes, each one script in `lua/<name>.lua` (beside `src/`; found from
 * `dist/src/store` too), documented in its header. Records are `keys.media(id)` hashes expiring at
 * their `expires_at`; `keys.mediaExpiry` indexes every object by expiry (member `<workspace>/<id>`)
 * so that its S3 object can be deleted after the record is gone.
 */
const LUA_DIR = path.resolve(__dirname, '..', '..', '..', 'lua');
const source = (name: string): string => readLua(LUA_DIR, name);

interface Target {
  readonly keys: Keys;
  readonly id: string;
}

const outcome = (raw: unknown): -1 | 0 | 1 => {
  const value = reply.number(raw);
  return value === 1 ? 1 : value === -1 ? -1 : 0;
};

export const MEDIA_SCRIPTS = {
  save: new TypedScript<Target & { member: string; expiresAt: number; fields: Record<string, string> }, number>({
    name: 'media-save',
    source: source('save'),
    keys: (i) => [i.keys.media(i.id), i.keys.mediaExpiry],
    args: (i) => [i.member, i.expiresAt, ...Object.entries(i.fields).flat()],
    parse: reply.number,
  }),
  complete: new TypedScript<Target & { size: number; sha256: string }, -1 | 0 | 1>({
    name: 'media-complete',
    source: source('complete'),
    keys: (i) => [i.keys.media(i.id)],
    args: (i) => [i.size, i.sha256],
    parse: outcome,
  }),
  unavailable: new TypedScript<Target & { reason: string }, -1 | 0 | 1>({
    name: 'media-unavailable',
    source: source('unavailable'),
    keys: (i) => [i.keys.media(i.id)],
    args: (i) => [i.reason],
    parse: outcome,
  }),
  forget: new TypedScript<Target & { member: string }, number>({
    name: 'media-forget',
    source: source('forget'),
    keys: (i) => [i.keys.media(i.id), i.keys.mediaExpiry],
    args: (i) => [i.member],
    parse: reply.number,
  }),
  claimExpired: new TypedScript<{ keys: Keys; now: number; limit: number; retryAt: number }, string[]>({
    name: 'media-claim-expired',
    source: source('claim-expired'),
    keys: (i) => [i.keys.mediaExpiry],
    args: (i) => [i.now, i.limit, i.retryAt],
    parse: (raw) => reply.array(raw).map((item) => reply.string(item)),
  }),
} as const;
