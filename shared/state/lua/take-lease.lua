-- take-lease: gives a session's lease to a live worker and bumps the session's fencing epoch.
-- A lease is bound to its holder's incarnation: it stays valid exactly as long as that incarnation's
-- registration exists, so one heartbeat renews all of a worker's leases, and a crashed worker's
-- leases lapse when its registration expires (it fences itself before that).
--
-- KEYS[1] lease hash   KEYS[2] session hash   KEYS[3] the taker's worker registration
-- KEYS[4] the session's restore lock
-- ARGV[1] taker id  ARGV[2] taker incarnation  ARGV[3] worker-registration key prefix  ARGV[4] now (ms)
-- ARGV[5] the desired state the taker acts on: 'running' (to run it; status becomes starting and
--         the previous run's QR and last error are cleared), 'deleted' (to log a stored device out
--         before its state is removed; status stays deleting) or 'logged_out' (to unlink a stored
--         device on the API's logout; status unchanged until the worker writes logged_out)
-- ARGV[6] lowest epoch to hand out (0: none). A taker whose session directory shows that a number
--         was already used (a Redis failover lost the increment, a restored fence) asks past it.
-- ARGV[7] session index prefix (lib/session-index.lua): the record's index follows its new status
--
-- Returns {1, epoch} when taken; {0, holder} when a live incarnation of another worker (or an older
-- incarnation of this one that is still registered) holds it; {-1} when the taker itself is not
-- registered under that incarnation; {-2} when the session does not exist or its desired state is not
-- ARGV[5] (e.g. stopped or being deleted meanwhile); {-3} while a restore holds the session's lock
-- (checked here, in the same step as the take, so no start slips in between a check and the take).
--!include lib/session-index.lua
if redis.call('HGET', KEYS[3], 'incarnation') ~= ARGV[2] then return {-1} end
if redis.call('HGET', KEYS[2], 'desired') ~= ARGV[5] then return {-2} end
if redis.call('EXISTS', KEYS[4]) == 1 then return {-3} end
local lease = redis.call('HMGET', KEYS[1], 'owner', 'incarnation')
if lease[1] and lease[2] ~= ARGV[2] then
  if redis.call('HGET', ARGV[3] .. lease[1], 'incarnation') == lease[2] then return {0, lease[1]} end
end
local epoch = redis.call('HINCRBY', KEYS[2], 'epoch', 1)
local floor = tonumber(ARGV[6]) or 0
if epoch < floor then
  epoch = floor
  redis.call('HSET', KEYS[2], 'epoch', epoch)
end
if ARGV[5] == 'running' then
  redis.call('HDEL', KEYS[2], 'qr', 'qr_expires_at', 'last_error', 'pairing_code', 'pairing_code_expires_at')
  redis.call('HSET', KEYS[2], 'status', 'starting')
elseif ARGV[5] == 'deleted' then
  redis.call('HSET', KEYS[2], 'status', 'deleting')
end
redis.call('HSET', KEYS[2], 'owner', ARGV[1], 'updated_at', ARGV[4])
reindex_session(KEYS[2], ARGV[7])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'incarnation', ARGV[2], 'epoch', epoch, 'taken_at', ARGV[4])
return {1, epoch}
