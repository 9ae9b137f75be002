/**
 * The transition rule as a Lua function, shared by advance-message and by scripts that advance a
 * message and do more in the same step (the events package appends the status event with it).
 * advance_message(key, target, now, reason) returns 1 (changed), 0 (stale) or -1 (no record).
 */
export const ADVANCE_MESSAGE_FUNCTION = `
local function advance_message(key, target, now, reason)
  local rank = { accepted = 0, queued = 1, sending = 2, sent = 3, delivered = 4, read = 5 }
  local current = redis.call('HGET', key, 'status')
  if not current then return -1 end
  if current == 'failed' then return 0 end
  if target == 'failed' then
    if rank[current] >= rank['sent'] then return 0 end
    redis.call('HSET', key, 'status', 'failed', 'failed_reason', reason, 'updated_at', now)
    return 1
  end
  if rank[target] == nil or rank[target] <= rank[current] then return 0 end
  redis.call('HSET', key, 'status', target, 'updated_at', now, target .. '_at', now)
  return 1
end
`;

/**
 * advance-message: moves a message record forward along
 * accepted → queued → sent → delivered → read, or to failed. Never backwards: a late or repeated
 * ack (BullMQ and WhatsApp are both at-least-once) changes nothing. `failed` is only taken before
 * `sent`; a message the server acknowledged cannot fail afterwards.
 *
 * KEYS[1] message hash
 * ARGV[1] new status  ARGV[2] now (ms)  ARGV[3] reason (for failed, else '')
 *
 * Returns 1 when the record changed, 0 when the transition was stale, -1 when the record is gone.
 */
export const ADVANCE_MESSAGE = `
${ADVANCE_MESSAGE_FUNCTION}
return advance_message(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
`;
