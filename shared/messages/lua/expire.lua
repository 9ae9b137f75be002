-- expire: fails (with `ARGV[10]` as reason and an event each) every message of a session still waiting,
-- in the outbox or in flight, that was accepted before ARGV[9]; with ARGV[9] = 'inf', all of them
-- (the session was deleted). Keeps the outboxes index true.
--
-- KEYS[1] session outbox   KEYS[2] session in-flight set   KEYS[3] outboxes index
-- ARGV[1..7] the common header (lib/header.lua)   ARGV[8] session id
-- ARGV[9] accepted before (ms, or 'inf')   ARGV[10] reason
--
-- Returns how many failed.
--!include lib/header.lua
local before = ARGV[9] == 'inf' and math.huge or tonumber(ARGV[9])
local failed = 0
for _, set in ipairs({KEYS[1], KEYS[2]}) do
  for _, id in ipairs(redis.call('ZRANGE', set, 0, -1)) do
    local created = tonumber(redis.call('HGET', common.message .. id, 'created_at'))
    if not created or created < before then
      settle(ARGV[8], id)
      if change_status(id, 'failed', ARGV[10])[1] == 1 then failed = failed + 1 end
    end
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('ZREM', KEYS[3], ARGV[8]) end
return failed
