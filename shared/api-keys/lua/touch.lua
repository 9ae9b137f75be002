-- touch: records a key's last use, never on a key that does not exist (no half record) and never
-- backwards (ingresses write at most once a minute each, not in order).
--
-- KEYS[1] the key's hash
-- ARGV[1] when it was used (ms)
--
-- Returns 1 when written, 0 otherwise.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = tonumber(redis.call('HGET', KEYS[1], 'last_used_at') or '0')
if last >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'last_used_at', ARGV[1])
return 1
