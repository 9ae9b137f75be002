-- park-workspace: the caller found nothing more to deliver. If no event arrived meanwhile and no
-- replay is queued, the workspace leaves the pending set and the lock is released; otherwise the
-- caller keeps going. Atomic with append-event, so no event is ever left behind unannounced.
-- Events counted by the sequence but no longer in the stream (aged out by retention before they
-- were delivered) are skipped: the cursor moves to the last sequence, the retry state (of an event
-- that is gone) is cleared, and their number is returned.
--
-- KEYS[1] workspace lock  KEYS[2] sequence counter  KEYS[3] cursors (hash)  KEYS[4] replay set
-- KEYS[5] pending workspaces (zset)  KEYS[6] stream  KEYS[7] retry state (hash)
-- ARGV[1] lock token  ARGV[2] workspace id
--
-- Returns {state, skipped}: state 0 when parked, 1 when there is more work, -1 when the lock is not
-- held; skipped = events skipped because they had aged out.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, 0} end
if redis.call('ZCARD', KEYS[4]) > 0 then return {1, 0} end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local cursor = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
local skipped = 0
if last > cursor then
  if #redis.call('XRANGE', KEYS[6], (cursor + 1) .. '-0', '+', 'COUNT', 1) > 0 then return {1, 0} end
  skipped = last - cursor
  redis.call('HSET', KEYS[3], ARGV[2], last)
  redis.call('DEL', KEYS[7])
end
redis.call('ZREM', KEYS[5], ARGV[2])
redis.call('DEL', KEYS[1])
return {0, skipped}
