-- update-if-epoch: fenced write of a session record: deletes then sets fields only if the record
-- exists and its epoch is still the writer's (a run that lost the session cannot write any more), and
-- announces the change when asked.
--
-- KEYS[1] session hash
-- ARGV[1] session index prefix (lib/session-index.lua): the record's index entries follow its status and phone
-- ARGV[2] channel of session changes to publish ARGV[3] (the session id) on once written; '' for none
-- ARGV[4] the writer's epoch; ARGV[5] n, fields to delete; ARGV[6..n+5] their names; then name/value pairs
--
-- Returns 1 when written, 0 when the record is gone, -1 when the epoch is stale.
--!include lib/update-fields.lua
--!include lib/session-index.lua
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return 0 end
if epoch ~= ARGV[4] then return -1 end
update_fields(KEYS[1], 5)
reindex_session(KEYS[1], ARGV[1])
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
