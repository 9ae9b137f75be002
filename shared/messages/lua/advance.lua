-- advance: a status WhatsApp reported for a message (the server's ack: sent; receipts: delivered,
-- read; an ack with an error: failed). Moves the record forward and, only if it changed, appends the
-- status event in the same step: a crash never leaves a change without its event, and a repeated or
-- late ack never yields a second one. An acknowledged or failed message leaves the outbox and the
-- in-flight set.
--
-- KEYS[1] message hash
-- ARGV[1..7] the common header (lib/header.lua)   ARGV[8] message id   ARGV[9] status   ARGV[10] reason
--
-- Returns {changed (1, 0 stale, -1 gone), sequence (0 when no event), created_at (ms) when changed}.
--!include lib/header.lua
local id = ARGV[8]
local result = change_status(id, ARGV[9], ARGV[10])
local fields = redis.call('HMGET', KEYS[1], 'session_id', 'status', 'created_at')
if fields[1] and (fields[2] == 'failed' or (STATUS_RANK[fields[2]] or 0) >= STATUS_RANK['sent']) then
  settle(fields[1], id)
end
if result[1] ~= 1 then return {result[1], 0, 0} end
return {1, result[2], tonumber(fields[3]) or 0}
