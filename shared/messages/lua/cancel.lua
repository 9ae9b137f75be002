-- cancel: withdraws a message that is still waiting in its session's outbox (never written to the
-- socket): it fails with `cancelled` (and its event). A message already written (`sending`) or further
-- along is left as it is: it may be on its way; revoke it once sent.
--
-- KEYS[1] message hash
-- ARGV[1..7] the common header (lib/header.lua)   ARGV[8] message id
--
-- Returns 'cancelled', or the message's status when it could not be ('' when it is gone).
--!include lib/header.lua
local fields = redis.call('HMGET', KEYS[1], 'status', 'session_id')
if not fields[1] then return '' end
if fields[1] ~= 'queued' then return fields[1] end
settle(fields[2], ARGV[8])
change_status(ARGV[8], 'failed', 'cancelled')
return 'cancelled'
