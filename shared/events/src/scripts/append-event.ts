/** The append as a Lua function, shared with scripts that append an event as part of a larger step. */
export const APPEND_EVENT_FUNCTION = `
local function append_event(seq_key, stream_key, pending_key, workspace, id, type, at, data, now, channel)
  local seq = redis.call('INCR', seq_key)
  redis.call('XADD', stream_key, seq .. '-0', 'id', id, 'type', type, 'at', at, 'data', data)
  redis.call('ZADD', pending_key, 'NX', now, workspace)
  redis.call('PUBLISH', channel, workspace)
  return seq
end
`;

/**
 * append-event: gives an event the next sequence number of its workspace, appends it to the
 * workspace's stream (entry id `<sequence>-0`, so a catch-up read is an XRANGE from a sequence) and
 * marks the workspace as having work for the dispatcher, all in one step.
 *
 * KEYS[1] workspace sequence counter  KEYS[2] workspace stream  KEYS[3] pending workspaces (zset)
 * ARGV[1] workspace id  ARGV[2] event id  ARGV[3] type  ARGV[4] occurred_at (ms)  ARGV[5] data (JSON)
 * ARGV[6] now (ms, the pending score if the workspace is not pending yet)  ARGV[7] wake-up channel
 *
 * Returns the event's sequence number.
 */
export const APPEND_EVENT = `
${APPEND_EVENT_FUNCTION}
return append_event(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
`;
