-- media-claim-expired: takes up to ARGV[2] index entries expired by ARGV[1] (ms) and moves them to
-- ARGV[3] (ms), so that concurrent sweepers take different ones and an entry whose deletion fails
-- comes back later.
-- KEYS[1] expiry index   ARGV[1] now  ARGV[2] limit  ARGV[3] retry at
-- Returns the claimed members.
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(members) do redis.call('ZADD', KEYS[1], 'XX', ARGV[3], member) end
return members
