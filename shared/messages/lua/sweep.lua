-- sweep: messages of a session written to its socket whose ack deadline passed (the ack never came:
-- the socket closed, the server dropped it). Each goes back to its place in the outbox to be written
-- again under the same id, or fails with `no_server_ack` once it had ARGV[10] attempts.
-- With ARGV[9] = 'inf' every in-flight message is taken (a new socket: nothing in flight on it).
--
-- KEYS[1] session in-flight set   KEYS[2] outboxes index
-- ARGV[1..7] the common header (lib/header.lua)   ARGV[8] session id   ARGV[9] deadline ('inf' for all)
-- ARGV[10] most attempts
--
-- Returns {requeued, failed}.
--!include lib/header.lua
local requeued, failed = 0, 0
local upto = ARGV[9] == 'inf' and '+inf' or ARGV[9]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', upto)) do
  local outcome = retry_or_fail(ARGV[8], id, tonumber(ARGV[10]), 'no_server_ack', KEYS[2])
  if outcome == 'requeued' then requeued = requeued + 1 elseif outcome == 'failed' then failed = failed + 1 end
end
return {requeued, failed}
