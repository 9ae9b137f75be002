-- accept: records a new outgoing message for an existing session and puts it in the session's outbox,
-- at most once per idempotency key, in one step: the message is queued from the moment it is accepted,
-- and its place in the outbox (the session's next sequence number) is the order it is sent in.
--
-- KEYS[1] message hash   KEYS[2] idempotency key (ignored unless ARGV[5] is '1')   KEYS[3] session hash
-- KEYS[4] traffic hash   KEYS[5] message body   KEYS[6] session outbox   KEYS[7] outboxes index
-- ARGV[1] message id  ARGV[2] session id  ARGV[3] request fingerprint  ARGV[4] record retention (s)
-- ARGV[5] '1' when an idempotency key was given  ARGV[6] now (ms)  ARGV[7] idempotency key ('' if none)
-- ARGV[8] body (JSON)  ARGV[9] body retention (s)  ARGV[10] content type (text, image …)
-- ARGV[11] a worker's wake-up channel ('' for none)  ARGV[12] the workspace id the caller expects: when
--          the message is the first in its outbox and the session is in that workspace, its send
--          wake-up (shared/state/src/worker-wakes.ts: name, shard, job, at) is published there, so the
--          caller needs no round trip of its own for it
--
-- Returns {'no_session'} when the session does not exist or is being deleted;
-- {'new', id, workspace_id, shard, incarnation, sequence, waiting, woken} after queueing it, where waiting
-- is how many messages were in the outbox before it (0: the sender may be idle and needs a wake-up) and
-- woken how many listeners heard the wake-up published here (-1: none was published);
-- {'duplicate', existing id, workspace_id, shard, incarnation} when the idempotency key was used.
local session = redis.call('HMGET', KEYS[3], 'workspace_id', 'shard', 'desired', 'incarnation')
if not session[1] or session[3] == 'deleted' then return {'no_session'} end
local incarnation = session[4] or ''
if ARGV[5] == '1' then
  local claimed = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', tonumber(ARGV[4]))
  if not claimed then return {'duplicate', redis.call('GET', KEYS[2]), session[1], session[2], incarnation} end
end
local seq = redis.call('HINCRBY', KEYS[3], 'next_seq', 1)
redis.call('HSET', KEYS[1], 'message_id', ARGV[1], 'session_id', ARGV[2], 'workspace_id', session[1],
  'status', 'queued', 'fingerprint', ARGV[3], 'idempotency_key', ARGV[7], 'seq', seq,
  'session_incarnation', incarnation, 'attempts', 0, 'type', ARGV[10], 'created_at', ARGV[6], 'updated_at', ARGV[6])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
redis.call('SET', KEYS[5], ARGV[8], 'EX', tonumber(ARGV[9]))
local waiting = redis.call('ZCARD', KEYS[6])
redis.call('ZADD', KEYS[6], seq, ARGV[1])
redis.call('ZADD', KEYS[7], 'NX', ARGV[6], ARGV[2])
redis.call('HINCRBY', KEYS[4], session[1], 1)
local woken = -1
local shard, workspace, at = tonumber(session[2]), tonumber(session[1]), tonumber(ARGV[6])
if ARGV[11] ~= '' and waiting == 0 and session[1] == ARGV[12] and shard and workspace and at then
  local job = '{"messageId":' .. cjson.encode(ARGV[1]) .. ',"sessionId":' .. cjson.encode(ARGV[2]) ..
    ',"workspaceId":' .. session[1] .. ',"incarnation":' .. cjson.encode(incarnation) .. '}'
  woken = redis.call('PUBLISH', ARGV[11], '{"name":"message.send","shard":' .. session[2] .. ',"job":' .. job .. ',"at":' .. ARGV[6] .. '}')
end
return {'new', ARGV[1], session[1], session[2], incarnation, seq, waiting, woken}
