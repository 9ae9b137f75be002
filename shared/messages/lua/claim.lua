-- claim: takes the next messages of a session's outbox, in acceptance order, for its sender to write
-- to the socket now: each moves to the in-flight set with an ack deadline, becomes `sending` and counts
-- one more attempt. Messages already sent, failed or gone are dropped from the outbox; a message of an
-- earlier incarnation of the session (deleted and created again) fails with `session_replaced`, and one
-- whose body has aged out fails with `expired`, each with its event.
--
-- KEYS[1] session outbox   KEYS[2] session in-flight set   KEYS[3] outboxes index   KEYS[4] session hash
-- ARGV[1..7] the common header (lib/header.lua)   ARGV[8] session id   ARGV[9] ack deadline (ms)
-- ARGV[10] most messages to take
--
-- Returns {claimed, remaining}: the list of {message id, body (JSON), attempts} taken, and how many
-- messages are still in the outbox (0: the sender need not look again until it is woken).
--!include lib/header.lua
local session_id = ARGV[8]
local incarnation = redis.call('HGET', KEYS[4], 'incarnation') or ''
local claimed = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[10]) - 1)) do
  redis.call('ZREM', KEYS[1], id)
  local key = common.message .. id
  local fields = redis.call('HMGET', key, 'status', 'session_incarnation')
  if fields[1] == 'queued' or fields[1] == 'sending' then
    local body = redis.call('GET', key .. ':body')
    if (fields[2] or '') ~= incarnation then
      change_status(id, 'failed', 'session_replaced')
    elseif not body then
      change_status(id, 'failed', 'expired')
    else
      local attempts = redis.call('HINCRBY', key, 'attempts', 1)
      advance_status(key, 'sending', common.now, '')
      redis.call('ZADD', KEYS[2], tonumber(ARGV[9]), id)
      table.insert(claimed, {id, body, attempts})
    end
  end
end
local remaining = redis.call('ZCARD', KEYS[1])
if remaining == 0 then redis.call('ZREM', KEYS[3], session_id) end
return {claimed, remaining}
