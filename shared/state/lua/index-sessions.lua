-- index-sessions: indexes session records for the lists (lib/session-index.lua); the one-off backfill
-- of records written before the index existed. Idempotent: an indexed record is left as it is.
--
-- KEYS[1..n] session hashes (missing ones are skipped)
-- ARGV[1] session index prefix
--
-- Returns how many records exist among KEYS.
--!include lib/session-index.lua
local found = 0
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    reindex_session(key, ARGV[1])
    found = found + 1
  end
end
return found
