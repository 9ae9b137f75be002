/**
 * park-workspace: the caller found nothing more to deliver. If no event arrived meanwhile and no
 * replay is queued, the workspace leaves the pending set and the lock is released; otherwise the
 * caller keeps going. Atomic with append-event, so no event is ever left behind unannounced.
 *
 * KEYS[1] workspace lock  KEYS[2] sequence counter  KEYS[3] cursors (hash)  KEYS[4] replay set
 * KEYS[5] pending workspaces (zset)
 * ARGV[1] lock token  ARGV[2] workspace id
 *
 * Returns 0 when parked, 1 when there is more work, -1 when the lock is not held.
 */
export const PARK_WORKSPACE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local cursor = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
if last > cursor or redis.call('ZCARD', KEYS[4]) > 0 then return 1 end
redis.call('ZREM', KEYS[5], ARGV[2])
redis.call('DEL', KEYS[1])
return 0
`;
