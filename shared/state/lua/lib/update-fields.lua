-- update_fields(key, first): deletes then sets fields of the hash `key`, from ARGV[first] on:
-- ARGV[first] n, the number of fields to delete; the next n ARGV their names; then name/value pairs to
-- set (none is fine). The caller has checked that the write may happen.
local function update_fields(key, first)
  local n = tonumber(ARGV[first])
  for i = first + 1, first + n do redis.call('HDEL', key, ARGV[i]) end
  if #ARGV > first + n then redis.call('HSET', key, unpack(ARGV, first + n + 1)) end
end
