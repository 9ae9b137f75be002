-- release-lease: drops a lease if (and only if) it is still the caller's run of the session, and
-- announces the release so a successor waiting for it starts at once.
--
-- KEYS[1] lease hash
-- ARGV[1] owner id  ARGV[2] epoch of the run releasing it  ARGV[3] pub/sub channel  ARGV[4] session id
--
-- Returns 1 when released, 0 when the lease belongs to someone else (or a newer run).
local lease = redis.call('HMGET', KEYS[1], 'owner', 'epoch')
if lease[1] ~= ARGV[1] or lease[2] ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
