/**
 * accept-message: records a new outgoing message for an existing session, at most once per
 * idempotency key. One round trip does the session lookup and the idempotency claim. The record is
 * created `queued`: the caller adds the job next, and re-adds it on a repeat if it is missing.
 *
 * KEYS[1] message hash   KEYS[2] idempotency key (ignored when ARGV[5] is '0')   KEYS[3] session hash
 * KEYS[4] traffic hash (workspace id → messages accepted)
 * ARGV[1] message id  ARGV[2] session id  ARGV[3] request fingerprint  ARGV[4] retention (seconds)
 * ARGV[5] '1' when an idempotency key was given  ARGV[6] now (ms)  ARGV[7] idempotency key ('' when none)
 *
 * Returns {'no_session'} when the session does not exist or is being deleted;
 * {'new', id, workspace_id, shard} after creating the record;
 * {'duplicate', existing id, workspace_id, shard} when the idempotency key was already used.
 */
export const ACCEPT_MESSAGE = `
local session = redis.call('HMGET', KEYS[3], 'workspace_id', 'shard', 'desired')
if not session[1] or session[3] == 'deleted' then return {'no_session'} end
if ARGV[5] == '1' then
  local claimed = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', tonumber(ARGV[4]))
  if not claimed then return {'duplicate', redis.call('GET', KEYS[2]), session[1], session[2]} end
end
redis.call('HSET', KEYS[1], 'message_id', ARGV[1], 'session_id', ARGV[2], 'workspace_id', session[1],
  'status', 'queued', 'fingerprint', ARGV[3], 'idempotency_key', ARGV[7],
  'created_at', ARGV[6], 'updated_at', ARGV[6])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
redis.call('HINCRBY', KEYS[4], session[1], 1)
return {'new', ARGV[1], session[1], session[2]}
`;
