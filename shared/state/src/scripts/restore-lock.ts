/**
 * Restore locks: one string key per session (`restoreLock(id)`), holding the restore's token, with
 * an expiry the restore keeps refreshing, so a crashed restore lets go by itself. While it exists
 * take-lease refuses the session and the ingress answers 409 `SESSION_RESTORING`.
 *
 * lock-restore: takes every key of KEYS or none.
 * KEYS the sessions' restore-lock keys   ARGV[1] token   ARGV[2] expiry (ms)
 * Returns 0 when every key is now the token's (already-held ones refreshed), else the 1-based index
 * of the first key another token holds (nothing changed).
 */
export const LOCK_RESTORE = `
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder and holder ~= ARGV[1] then return i end
end
for _, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) end
return 0
`;

/**
 * refresh-restore: extends the expiry of the keys the token still holds.
 * KEYS as lock-restore   ARGV[1] token   ARGV[2] expiry (ms)
 * Returns how many keys the token no longer holds (expired, or taken by another restore).
 */
export const REFRESH_RESTORE = `
local lost = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) else lost = lost + 1 end
end
return lost
`;

/**
 * unlock-restore: deletes the keys the token holds (never another restore's).
 * KEYS as lock-restore   ARGV[1] token
 * Returns how many keys were deleted.
 */
export const UNLOCK_RESTORE = `
local n = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
    n = n + 1
  end
end
return n
`;
