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
local rank = { accepted = 0, queued = 1, sending = 2, sent = 3, delivered = 4, read = 5 }
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return -1 end
if current == 'failed' then return 0 end
local target = ARGV[1]
if target == 'failed' then
  if rank[current] >= rank['sent'] then return 0 end
  redis.call('HSET', KEYS[1], 'status', 'failed', 'failed_reason', ARGV[3], 'updated_at', ARGV[2])
  return 1
end
if rank[target] == nil or rank[target] <= rank[current] then return 0 end
redis.call('HSET', KEYS[1], 'status', target, 'updated_at', ARGV[2], target .. '_at', ARGV[2])
return 1
`;
