-- settle-event: the head event of a workspace is done with (delivered, filtered out, or moved to the
-- dead letters): moves the workspace's cursor past it (or removes it from the replay set), clears
-- its retry state, extends the caller's lock and trims delivered events beyond the retention; a dead
-- letter is stored under the dead letters' retention (count and age, lib/dead-letters.lua). Refused
-- when the caller no longer holds the workspace's lock (another dispatcher took over).
--
-- KEYS[1] workspace lock  KEYS[2] cursors (hash)  KEYS[3] retry state (hash)  KEYS[4] stream
-- KEYS[5] replay set (zset)  KEYS[6] dead letters (hash)  KEYS[7] dead letter ages (zset)
-- ARGV[1] lock token  ARGV[2] workspace id  ARGV[3] sequence  ARGV[4] lock ms  ARGV[5] delivered
-- events to retain  ARGV[6] replay member ('' for a stream event)  ARGV[7] event id
-- ARGV[8] dead letter JSON ('' unless dead-lettering)  ARGV[9] now (ms, the dead letter's dead_at)
-- ARGV[10] most dead letters kept per workspace  ARGV[11] oldest dead letter kept (ms)
--
-- Returns 1 when settled, 0 when the lock is not held.
--!include lib/dead-letters.lua
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if ARGV[8] ~= '' then
  keep_dead_letter(KEYS[6], KEYS[7], ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]))
end
if ARGV[6] ~= '' then
  redis.call('ZREM', KEYS[5], ARGV[6])
  return 1
end
local seq = tonumber(ARGV[3])
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if seq > current then redis.call('HSET', KEYS[2], ARGV[2], seq) end
local retain = tonumber(ARGV[5])
if seq - retain > 0 then redis.call('XTRIM', KEYS[4], 'MINID', '~', (seq - retain + 1) .. '-0') end
return 1
