-- update-if-exists: deletes then sets fields of a hash, only if the hash exists (a record that was
-- removed is never recreated by a late update).
--
-- KEYS[1] hash (a session record)
-- ARGV[1] n, the number of fields to delete; ARGV[2..n+1] their names; then name/value pairs to set
--
-- Returns 1 if updated, 0 if the hash does not exist.
--!include lib/update-fields.lua
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
update_fields(KEYS[1], 1)
return 1
