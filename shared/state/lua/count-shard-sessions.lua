-- count-shard-sessions: the number of sessions in each shard, in one round trip.
--
-- KEYS[1..S] the shards' session sets, in shard order
--
-- Returns an array of S integers: the size of each set (0 for a missing one).
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('SCARD', key)
end
return counts
