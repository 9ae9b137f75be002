-- replay-dead-letters: moves dead letters (the given event ids, or all) of a workspace to its replay
-- set, which the dispatcher delivers before the rest of the stream, and wakes the dispatcher.
--
-- KEYS[1] dead letters (hash)  KEYS[2] replay set (zset)  KEYS[3] pending workspaces (zset)
-- KEYS[4] dead letter ages (zset)
-- ARGV[1] workspace id  ARGV[2] now (ms)  ARGV[3] wake-up channel  ARGV[4..] event ids (none = all)
--
-- Returns the number of dead letters queued for replay.
local ids = {}
if #ARGV > 3 then
  for i = 4, #ARGV do ids[#ids + 1] = ARGV[i] end
else
  ids = redis.call('HKEYS', KEYS[1])
end
local count = 0
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[1], id)
  if raw then
    local dead = cjson.decode(raw)
    redis.call('ZADD', KEYS[2], dead.event.sequence, cjson.encode(dead.event))
    redis.call('HDEL', KEYS[1], id)
    redis.call('ZREM', KEYS[4], id)
    count = count + 1
  end
end
if count > 0 then
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
  redis.call('PUBLISH', ARGV[3], ARGV[1])
end
return count
