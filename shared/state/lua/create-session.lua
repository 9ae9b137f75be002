-- create-session: creates a session record unless one exists.
--
-- KEYS[1] session hash   KEYS[2] set of all sessions   KEYS[3] shard's session set
-- KEYS[4] workspace's session set
-- ARGV[1] session id  ARGV[2] workspace id  ARGV[3] account id  ARGV[4] shard  ARGV[5] now (ms)
-- ARGV[6] incarnation: a new random id for this creation; jobs and messages carry it, and those of an
--         earlier session under the same id (deleted, created again) are dropped by its mismatch
-- ARGV[7] session index prefix (lib/session-index.lua): the record is indexed for the lists
-- ARGV[8..] name/value pairs of optional fields (pairing phone, sealed proxy) written only when the
--         record is created (a repeat leaves the existing record's as they are)
--
-- Returns {'created', '', fields}; {'exists', status, fields} when a session with the same workspace
-- and account exists (an idempotent repeat); fields: the record as it is now (HGETALL), so the caller
-- needs no second read. {'deleting'} while a delete of that id is in progress; {'conflict'} when the id
-- belongs to another workspace or account.
--!include lib/session-index.lua
if redis.call('EXISTS', KEYS[1]) == 1 then
  local f = redis.call('HMGET', KEYS[1], 'workspace_id', 'account_id', 'desired', 'status')
  if f[3] == 'deleted' then return {'deleting'} end
  if f[1] == ARGV[2] and f[2] == ARGV[3] then
    if f[3] ~= 'running' then
      redis.call('HSET', KEYS[1], 'desired', 'running', 'updated_at', ARGV[5])
    end
    reindex_session(KEYS[1], ARGV[7])
    return {'exists', f[4] or '', redis.call('HGETALL', KEYS[1])}
  end
  return {'conflict'}
end
redis.call('HSET', KEYS[1],
  'session_id', ARGV[1], 'workspace_id', ARGV[2], 'account_id', ARGV[3], 'shard', ARGV[4],
  'desired', 'running', 'status', 'starting', 'epoch', '0', 'incarnation', ARGV[6],
  'created_at', ARGV[5], 'updated_at', ARGV[5])
if #ARGV > 7 then redis.call('HSET', KEYS[1], unpack(ARGV, 8)) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
reindex_session(KEYS[1], ARGV[7])
return {'created', '', redis.call('HGETALL', KEYS[1])}
