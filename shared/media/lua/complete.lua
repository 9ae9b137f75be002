-- media-complete: a pending or unavailable record's content is stored; keeps its expiry.
-- KEYS[1] record   ARGV[1] size  ARGV[2] sha256 (hex)
-- Returns 1 when completed, 0 when the record is gone, -1 when it was already available.
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
if status == 'available' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'available', 'size', ARGV[1], 'sha256', ARGV[2])
redis.call('HDEL', KEYS[1], 'error')
return 1
