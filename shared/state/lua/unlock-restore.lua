-- unlock-restore: deletes the restore locks the token holds, never another restore's (see lock-restore).
--
-- KEYS the sessions' restore-lock keys
-- ARGV[1] token
--
-- Returns how many keys were deleted.
local n = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
    n = n + 1
  end
end
return n
