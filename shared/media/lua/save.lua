-- media-save: writes a whole record (replacing any) and indexes its object.
-- KEYS[1] record  KEYS[2] expiry index
-- ARGV[1] index member  ARGV[2] expires_at (ms)  ARGV[3..] field, value, field, value …
-- Returns 1.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
