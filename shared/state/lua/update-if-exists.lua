-- update-if-exists: deletes then sets fields of a hash, only if the hash exists (a record that was
-- removed is never recreated by a late update), and announces the change when asked.
--
-- KEYS[1] hash (a session record)
-- ARGV[1] session index prefix (lib/session-index.lua): the record's index entries follow its status and phone
-- ARGV[2] channel of session changes to publish ARGV[3] (the session id) on once written; '' for none
-- ARGV[4] n, the number of fields to delete; ARGV[5..n+4] their names; then name/value pairs to set
--
-- Returns 1 if updated, 0 if the hash does not exist.
--!include lib/update-fields.lua
--!include lib/session-index.lua
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
update_fields(KEYS[1], 4)
reindex_session(KEYS[1], ARGV[1])
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
