-- Every ledger script takes the same first seven ARGV (keys the script derives from ids it finds):
--   ARGV[1] message key prefix   ARGV[2] outbox key prefix   ARGV[3] in-flight key prefix
--   ARGV[4] events key prefix    ARGV[5] pending workspaces key   ARGV[6] events wake-up channel
--   ARGV[7] now (ms)
-- Script-specific arguments follow from ARGV[8].
local common = {
  message = ARGV[1], outbox = ARGV[2], inflight = ARGV[3],
  events = ARGV[4], pending = ARGV[5], channel = ARGV[6], now = ARGV[7],
}
--!include lib/status.lua
--!include lib/events.lua

-- change_status(message_id, status, reason): advances one message and records its event when it
-- changed. Returns {changed, sequence}.
local function change_status(message_id, status, reason)
  local key = common.message .. message_id
  local changed = advance_status(key, status, common.now, reason)
  if changed ~= 1 then return {changed, 0} end
  return {1, record_status_event(key, message_id, status, reason, common.now, common)}
end

-- settle(session_id, message_id): the message no longer waits, in the outbox or in flight.
local function settle(session_id, message_id)
  redis.call('ZREM', common.outbox .. session_id, message_id)
  redis.call('ZREM', common.inflight .. session_id, message_id)
end

-- requeue(session_id, message_id, outboxes_key): back in the outbox at its place (acceptance order).
local function requeue(session_id, message_id, outboxes_key)
  local seq = redis.call('HGET', common.message .. message_id, 'seq')
  redis.call('ZREM', common.inflight .. session_id, message_id)
  if not seq then return end
  redis.call('ZADD', common.outbox .. session_id, tonumber(seq), message_id)
  redis.call('ZADD', outboxes_key, 'NX', common.now, session_id)
end

-- retry_or_fail(session_id, message_id, max_attempts, reason, outboxes_key): after an attempt that
-- got no acknowledgement: failed (with its event) once it had max_attempts, else back in the outbox.
-- Returns 'requeued', 'failed' or 'done' (already sent, failed or gone).
local function retry_or_fail(session_id, message_id, max_attempts, reason, outboxes_key)
  local fields = redis.call('HMGET', common.message .. message_id, 'status', 'attempts')
  if fields[1] ~= 'queued' and fields[1] ~= 'sending' then
    settle(session_id, message_id)
    return 'done'
  end
  if (tonumber(fields[2]) or 0) >= max_attempts then
    settle(session_id, message_id)
    change_status(message_id, 'failed', reason)
    return 'failed'
  end
  requeue(session_id, message_id, outboxes_key)
  return 'requeued'
end
