-- media-forget: the record and its index entry go (its object is already deleted).
-- KEYS[1] record  KEYS[2] expiry index   ARGV[1] index member
-- Returns 1.
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
