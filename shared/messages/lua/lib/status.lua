-- The message status order and the event each status records, generated from MESSAGE_STATUSES and
-- STATUS_EVENTS in src/statuses.ts (the one place they are written down):
--   STATUS_RANK[status] = position in the order; STATUS_EVENT[status] = event type ('' for none).
--!define STATUS_TABLES

-- advance_status(key, target, now, reason): moves a message record forward, never backwards.
-- `failed` is only taken before `sent` (a message the server acknowledged cannot fail afterwards).
-- Returns 1 when the record changed, 0 when the transition was stale, -1 when the record is gone.
local function advance_status(key, target, now, reason)
  local current = redis.call('HGET', key, 'status')
  if not current then return -1 end
  if current == 'failed' then return 0 end
  if target == 'failed' then
    if STATUS_RANK[current] >= STATUS_RANK['sent'] then return 0 end
    redis.call('HSET', key, 'status', 'failed', 'failed_reason', reason, 'updated_at', now)
    return 1
  end
  if STATUS_RANK[target] == nil or STATUS_RANK[target] <= STATUS_RANK[current] then return 0 end
  redis.call('HSET', key, 'status', target, 'updated_at', now, target .. '_at', now)
  return 1
end
