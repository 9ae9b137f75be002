-- revoke: marks a workspace API key revoked (the record stays, for the list) and announces it, so
-- every ingress drops its cached copy at once. Revoking a revoked key changes nothing.
--
-- KEYS[1] the key's hash
-- ARGV[1] now (ms)   ARGV[2] the keys' pub/sub channel   ARGV[3] key id
--
-- Returns the key's revoked_at (now, or the earlier revocation's), or 0 when there is no such key.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local revoked = redis.call('HGET', KEYS[1], 'revoked_at')
if revoked then return tonumber(revoked) end
redis.call('HSET', KEYS[1], 'revoked_at', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return tonumber(ARGV[1])
