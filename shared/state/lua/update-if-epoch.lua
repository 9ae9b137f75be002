-- update-if-epoch: fenced write of a session record: deletes then sets fields only if the record
-- exists and its epoch is still the writer's (a run that lost the session cannot write any more).
--
-- KEYS[1] session hash
-- ARGV[1] session index prefix (lib/session-index.lua): the record's index entries follow its status and phone
-- ARGV[2] the writer's epoch; ARGV[3] n, fields to delete; ARGV[4..n+3] their names; then name/value pairs
--
-- Returns 1 when written, 0 when the record is gone, -1 when the epoch is stale.
--!include lib/update-fields.lua
--!include lib/session-index.lua
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return 0 end
if epoch ~= ARGV[2] then return -1 end
update_fields(KEYS[1], 3)
reindex_session(KEYS[1], ARGV[1])
return 1
