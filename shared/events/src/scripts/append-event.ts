/**
 * The append as a Lua function, shared with scripts that append an event as part of a larger step.
 * Besides appending, it applies the stream's retention (see retention.ts): at most about `max_len`
 * entries (XADD MAXLEN ~), none older than `max_age` ms by their `at` field (looked at from the head,
 * at most 100 dropped per append, so the work per append stays bounded), and the whole stream expires
 * `max_age` ms after its last append (then every entry in it was older than that).
 */
export const APPEND_EVENT_FUNCTION = `
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
`;

/**
 * append-event: gives an event the next sequence number of its workspace, appends it to the
 * workspace's stream (entry id `<sequence>-0`, so a catch-up read is an XRANGE from a sequence),
 * applies the stream's retention and marks the workspace as having work for the dispatcher, all in
 * one step.
 *
 * KEYS[1] workspace sequence counter  KEYS[2] workspace stream  KEYS[3] pending workspaces (zset)
 * ARGV[1] workspace id  ARGV[2] event id  ARGV[3] type  ARGV[4] occurred_at (ms)  ARGV[5] data (JSON)
 * ARGV[6] now (ms, the pending score if the workspace is not pending yet)  ARGV[7] wake-up channel
 * ARGV[8] most entries kept (about)  ARGV[9] oldest entry kept (ms)
 *
 * Returns the event's sequence number.
 */
export const APPEND_EVENT = `
${APPEND_EVENT_FUNCTION}
return append_event(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
`;
