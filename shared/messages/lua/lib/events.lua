-- append_event(seq_key, stream_key, pending_key, workspace, id, type, at, data, now, channel, max_len,
-- max_age): the events package's append (one source: shared/events/lua/lib/append-event.lua, exported
-- as APPEND_EVENT_FUNCTION), spliced in here, with the stream retention it applies (EVENT_MAX_LEN,
-- EVENT_MAX_AGE: its defaults, see retention.ts).
--!define APPEND_EVENT
--!define EVENT_RETENTION

-- record_status_event(message_key, message_id, status, reason, now, common): appends the event of a
-- status change of one message to its workspace's stream. The event id is derived from the message id
-- and the status, so it is unique (a status is reached once) and the same on every retry of the step.
-- `common` is the ARGV header every ledger script takes (see header.lua). Returns the sequence, 0 when
-- the status records no event.
local function record_status_event(message_key, message_id, status, reason, now, common)
  local type = STATUS_EVENT[status]
  if type == nil or type == '' then return 0 end
  local fields = redis.call('HMGET', message_key, 'workspace_id', 'session_id')
  local workspace = fields[1]
  if not workspace then return 0 end
  local data = { message_id = message_id, session_id = fields[2] or '', status = status }
  if status == 'failed' then
    if reason == '' then reason = 'unknown' end
    data['reason'] = reason
  end
  local id = 'evt_' .. string.sub(redis.sha1hex(message_id .. ':' .. status), 1, 24)
  return append_event(common.events .. workspace .. ':seq', common.events .. workspace .. ':stream',
    common.pending, workspace, id, type, now, cjson.encode(data), now, common.channel, EVENT_MAX_LEN, EVENT_MAX_AGE)
end
