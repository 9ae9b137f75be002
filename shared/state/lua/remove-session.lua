-- remove-session: removes a session record, its index entries (lib/session-index.lua) and its set
-- memberships, and announces it (a long poll on it ends).
--
-- KEYS[1] session hash   KEYS[2] set of all sessions   KEYS[3] shard's session set
-- KEYS[4] workspace's session set
-- ARGV[1] session index prefix   ARGV[2] session id   ARGV[3] channel of session changes
--
-- Returns 1 when a record was removed, 0 when there was none (its set memberships are removed anyway).
--!include lib/session-index.lua
unindex_session(KEYS[1], ARGV[1])
local removed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[2])
return removed
