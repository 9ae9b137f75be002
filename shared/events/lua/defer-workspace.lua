-- defer-workspace: the caller stops working on a workspace for now: records the head event's retry
-- state (when given), schedules the workspace to be looked at again at `score`, and releases the
-- lock. Refused when the caller no longer holds the lock.
--
-- KEYS[1] workspace lock  KEYS[2] retry state (hash)  KEYS[3] pending workspaces (zset)
-- ARGV[1] lock token  ARGV[2] workspace id  ARGV[3] score (ms)  ARGV[4..] retry field/value pairs
--
-- Returns 1 when deferred, 0 when the lock is not held.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if #ARGV > 3 then
  local fields = {}
  for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
  redis.call('HSET', KEYS[2], unpack(fields))
end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('DEL', KEYS[1])
return 1
