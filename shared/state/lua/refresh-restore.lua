-- refresh-restore: extends the expiry of the restore locks the token still holds (see lock-restore).
--
-- KEYS the sessions' restore-lock keys
-- ARGV[1] token   ARGV[2] expiry (ms)
--
-- Returns how many keys the token no longer holds (expired, or taken by another restore).
local lost = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) else lost = lost + 1 end
end
return lost
