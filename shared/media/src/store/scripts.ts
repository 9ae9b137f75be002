import type { Keys } from '@fleet/keys';
import { reply, TypedScript } from '@fleet/redis';

/**
 * The media store's Redis changes, each one script. Records are `keys.media(id)` hashes expiring at
 * their `expires_at`; `keys.mediaExpiry` indexes every object by expiry (member `<workspace>/<id>`)
 * so that its S3 object can be deleted after the record is gone.
 */
interface Target {
  readonly keys: Keys;
  readonly id: string;
}

/**
 * media-save: writes a whole record (replacing any) and indexes its object.
 * KEYS[1] record  KEYS[2] expiry index
 * ARGV[1] index member  ARGV[2] expires_at (ms)  ARGV[3..] field, value, field, value …
 * Returns 1.
 */
const SAVE = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`;

/**
 * media-complete: a pending or unavailable record's content is stored; keeps its expiry.
 * KEYS[1] record   ARGV[1] size  ARGV[2] sha256 (hex)
 * Returns 1 when completed, 0 when the record is gone, -1 when it was already available.
 */
const COMPLETE = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
if status == 'available' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'available', 'size', ARGV[1], 'sha256', ARGV[2])
redis.call('HDEL', KEYS[1], 'error')
return 1
`;

/**
 * media-unavailable: a pending record's download failed; it may be retried (complete).
 * KEYS[1] record   ARGV[1] reason
 * Returns 1 when marked, 0 when the record is gone, -1 when it is available (left as it is).
 */
const UNAVAILABLE = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
if status == 'available' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'unavailable', 'error', ARGV[1])
return 1
`;

/**
 * media-forget: the record and its index entry go (its object is already deleted).
 * KEYS[1] record  KEYS[2] expiry index   ARGV[1] index member
 * Returns 1.
 */
const FORGET = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/**
 * media-claim-expired: takes up to ARGV[2] index entries expired by ARGV[1] (ms) and moves them to
 * ARGV[3] (ms), so that concurrent sweepers take different ones and an entry whose deletion fails
 * comes back later.
 * KEYS[1] expiry index   ARGV[1] now  ARGV[2] limit  ARGV[3] retry at
 * Returns the claimed members.
 */
const CLAIM_EXPIRED = `
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(members) do redis.call('ZADD', KEYS[1], 'XX', ARGV[3], member) end
return members
`;

const outcome = (raw: unknown): -1 | 0 | 1 => {
  const value = reply.number(raw);
  return value === 1 ? 1 : value === -1 ? -1 : 0;
};

export const MEDIA_SCRIPTS = {
  save: new TypedScript<Target & { member: string; expiresAt: number; fields: Record<string, string> }, number>({
    name: 'media-save',
    source: SAVE,
    keys: (i) => [i.keys.media(i.id), i.keys.mediaExpiry],
    args: (i) => [i.member, i.expiresAt, ...Object.entries(i.fields).flat()],
    parse: reply.number,
  }),
  complete: new TypedScript<Target & { size: number; sha256: string }, -1 | 0 | 1>({
    name: 'media-complete',
    source: COMPLETE,
    keys: (i) => [i.keys.media(i.id)],
    args: (i) => [i.size, i.sha256],
    parse: outcome,
  }),
  unavailable: new TypedScript<Target & { reason: string }, -1 | 0 | 1>({
    name: 'media-unavailable',
    source: UNAVAILABLE,
    keys: (i) => [i.keys.media(i.id)],
    args: (i) => [i.reason],
    parse: outcome,
  }),
  forget: new TypedScript<Target & { member: string }, number>({
    name: 'media-forget',
    source: FORGET,
    keys: (i) => [i.keys.media(i.id), i.keys.mediaExpiry],
    args: (i) => [i.member],
    parse: reply.number,
  }),
  claimExpired: new TypedScript<{ keys: Keys; now: number; limit: number; retryAt: number }, string[]>({
    name: 'media-claim-expired',
    source: CLAIM_EXPIRED,
    keys: (i) => [i.keys.mediaExpiry],
    args: (i) => [i.now, i.limit, i.retryAt],
    parse: (raw) => reply.array(raw).map((item) => reply.string(item)),
  }),
} as const;
