-- The session index: what `GET /api/sessions` pages through without reading every record. Sorted
-- sets whose scores are all 0, so they are ordered by member (ZRANGEBYLEX), fleet-wide and per
-- workspace, under the prefix `ix` (keys.sessionIndexPrefix):
--   <ix>all, <ix>status:<status>, <ix>terms          every session; by status; search terms
--   <ix>ws:<workspace>:all, …:status:<status>, …:terms   the same for one workspace
-- Members are session ids, except in `terms`: "<term> <session id>", one for the session id itself
-- and one for the phone's digits (a search is a prefix of either). The record remembers what it is
-- indexed under (`ix_status`, `ix_phone`), so a change moves its entries and a removal finds them; a
-- record without them (written before the index existed) is added by its next write or the backfill.

local function index_scopes(ix, workspace)
  return { ix, ix .. 'ws:' .. workspace .. ':' }
end

-- reindex_session(key, ix): makes the index entries of the session record `key` match its fields.
local function reindex_session(key, ix)
  local f = redis.call('HMGET', key, 'session_id', 'workspace_id', 'status', 'phone', 'ix_status', 'ix_phone')
  local id, workspace = f[1], f[2]
  if not id or not workspace then return end
  local status, phone = f[3] or 'starting', f[4] or ''
  local old_status, old_phone = f[5], f[6]
  if old_status == status and old_phone == phone then return end
  for _, scope in ipairs(index_scopes(ix, workspace)) do
    if not old_status then
      redis.call('ZADD', scope .. 'all', 0, id)
      redis.call('ZADD', scope .. 'terms', 0, id .. ' ' .. id)
    end
    if old_status ~= status then
      if old_status then redis.call('ZREM', scope .. 'status:' .. old_status, id) end
      redis.call('ZADD', scope .. 'status:' .. status, 0, id)
    end
    if old_phone ~= phone then
      if old_phone and old_phone ~= '' then redis.call('ZREM', scope .. 'terms', old_phone .. ' ' .. id) end
      if phone ~= '' then redis.call('ZADD', scope .. 'terms', 0, phone .. ' ' .. id) end
    end
  end
  redis.call('HSET', key, 'ix_status', status, 'ix_phone', phone)
end

-- unindex_session(key, ix): removes every index entry of the session record `key` (before it is deleted).
local function unindex_session(key, ix)
  local f = redis.call('HMGET', key, 'session_id', 'workspace_id', 'status', 'phone', 'ix_status', 'ix_phone')
  local id, workspace = f[1], f[2]
  if not id or not workspace then return end
  for _, scope in ipairs(index_scopes(ix, workspace)) do
    redis.call('ZREM', scope .. 'all', id)
    redis.call('ZREM', scope .. 'terms', id .. ' ' .. id)
    for _, status in ipairs({ f[3], f[5] }) do
      if status then redis.call('ZREM', scope .. 'status:' .. status, id) end
    end
    for _, phone in ipairs({ f[4], f[6] }) do
      if phone and phone ~= '' then redis.call('ZREM', scope .. 'terms', phone .. ' ' .. id) end
    end
  end
end
