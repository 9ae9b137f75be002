-- create: stores a new workspace API key (its secret's hash only) and indexes it, unless its id is
-- already taken (the caller draws a new id then).
--
-- KEYS[1] the key's hash   KEYS[2] every key id (sorted set)   KEYS[3] the workspace's key ids (sorted set)
-- ARGV[1] key id   ARGV[2] workspace id   ARGV[3] name ('' = none)   ARGV[4] scopes (comma-separated)
-- ARGV[5] hex sha256 of the secret   ARGV[6] created_at (ms)   ARGV[7] the keys' pub/sub channel
--
-- Returns 1 when stored, 0 when the id is taken.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'workspace_id', ARGV[2], 'name', ARGV[3], 'scopes', ARGV[4],
  'secret_hash', ARGV[5], 'created_at', ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
redis.call('PUBLISH', ARGV[7], ARGV[1])
return 1
