/**
 * update-if-exists: deletes then sets fields of a hash, only if the hash exists (a record that was
 * removed is never recreated by a late update).
 *
 * KEYS[1] hash
 * ARGV[1] n, the number of fields to delete; ARGV[2..n+1] their names; then name/value pairs to set
 *
 * Returns 1 if updated, 0 if the hash does not exist.
 */
export const UPDATE_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[1])
for i = 2, n + 1 do redis.call('HDEL', KEYS[1], ARGV[i]) end
if #ARGV > n + 1 then redis.call('HSET', KEYS[1], unpack(ARGV, n + 2)) end
return 1
`;
