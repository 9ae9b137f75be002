-- media-unavailable: a pending record's download failed; it may be retried (complete).
-- KEYS[1] record   ARGV[1] reason
-- Returns 1 when marked, 0 when the record is gone, -1 when it is available (left as it is).
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
if status == 'available' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'unavailable', 'error', ARGV[1])
return 1
