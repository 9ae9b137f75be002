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
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], seq .. '-0', 'id', ARGV[2], 'type', ARGV[3], 'at', ARGV[4], 'data', ARGV[5])
redis.call('ZADD', KEYS[3], 'NX', ARGV[6], ARGV[1])
redis.call('PUBLISH', ARGV[7], ARGV[1])
return seq
`;
