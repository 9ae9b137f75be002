/**
 * accept-message: records a new outgoing message, at most once per idempotency key.
 *
 * KEYS[1] message hash   KEYS[2] idempotency key (ignored when ARGV[6] is '0')
 * ARGV[1] message id  ARGV[2] session id  ARGV[3] workspace id  ARGV[4] request fingerprint
 * ARGV[5] retention (seconds)  ARGV[6] '1' when an idempotency key was given  ARGV[7] now (ms)
 * ARGV[8] idempotency key (stored on the record, '' when none)
 *
 * Returns {'new', id} after creating the record, or {'duplicate', existing id} when the
 * idempotency key was already used; the caller then reads that record.
 */
export const ACCEPT_MESSAGE = `
if ARGV[6] == '1' then
  local claimed = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', tonumber(ARGV[5]))
  if not claimed then return {'duplicate', redis.call('GET', KEYS[2])} end
end
redis.call('HSET', KEYS[1], 'message_id', ARGV[1], 'session_id', ARGV[2], 'workspace_id', ARGV[3],
  'status', 'accepted', 'fingerprint', ARGV[4], 'idempotency_key', ARGV[8],
  'created_at', ARGV[7], 'updated_at', ARGV[7])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return {'new', ARGV[1]}
`;
