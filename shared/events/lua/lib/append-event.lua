-- append_event(seq_key, stream_key, pending_key, workspace, id, type, at, data, now, channel, max_len,
-- max_age): the append as a Lua function, shared with scripts that append an event as part of a larger
-- step (append-event.lua here; the message ledger's scripts get it as APPEND_EVENT_FUNCTION). Gives
-- the event the workspace's next sequence number, appends it (entry id `<sequence>-0`), marks the
-- workspace pending and wakes the dispatcher. Returns the sequence number.
--
-- Besides appending, it applies the stream's retention (see retention.ts): at most about `max_len`
-- entries (XADD MAXLEN ~), none older than `max_age` ms by their `at` field (looked at from the head,
-- at most 100 dropped per append, so the work per append stays bounded), and the whole stream expires
-- `max_age` ms after its last append (then every entry in it was older than that).
local function event_older_than(entry, cutoff)
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'at' then return (tonumber(fields[i + 1]) or cutoff) < cutoff end
  end
  return false
end

local function trim_aged(stream_key, cutoff)
  local head = redis.call('XRANGE', stream_key, '-', '+', 'COUNT', 1)[1]
  if not head or not event_older_than(head, cutoff) then return end
  local entries = redis.call('XRANGE', stream_key, '-', '+', 'COUNT', 101)
  for index, entry in ipairs(entries) do
    if index == 101 or not event_older_than(entry, cutoff) then
      redis.call('XTRIM', stream_key, 'MINID', entry[1])
      return
    end
  end
end

local function append_event(seq_key, stream_key, pending_key, workspace, id, type, at, data, now, channel, max_len, max_age)
  local seq = redis.call('INCR', seq_key)
  redis.call('XADD', stream_key, 'MAXLEN', '~', max_len, seq .. '-0', 'id', id, 'type', type, 'at', at, 'data', data)
  trim_aged(stream_key, tonumber(now) - tonumber(max_age))
  redis.call('PEXPIRE', stream_key, max_age)
  redis.call('ZADD', pending_key, 'NX', now, workspace)
  redis.call('PUBLISH', channel, workspace)
  return seq
end
