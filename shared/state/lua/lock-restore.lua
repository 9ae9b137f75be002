-- Restore locks: one string key per session (`restoreLock(id)`), holding the restore's token, with
-- an expiry the restore keeps refreshing, so a crashed restore lets go by itself. While it exists
-- take-lease refuses the session and the ingress answers 409 `SESSION_RESTORING`.
--
-- lock-restore: takes every key of KEYS or none.
--
-- KEYS the sessions' restore-lock keys
-- ARGV[1] token   ARGV[2] expiry (ms)
--
-- Returns 0 when every key is now the token's (already-held ones refreshed), else the 1-based index
-- of the first key another token holds (nothing changed).
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder and holder ~= ARGV[1] then return i end
end
for _, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) end
return 0
