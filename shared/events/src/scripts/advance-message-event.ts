import { ADVANCE_MESSAGE_FUNCTION } from '@fleet/state';
import { APPEND_EVENT_FUNCTION } from './append-event';

/**
 * advance-message-event: advances a message record (the state package's rule) and, only if the
 * record changed, appends the status event in the same step: a crash can never leave a status
 * change without its event, and a repeated ack never yields a second event.
 *
 * KEYS[1] message hash  KEYS[2] workspace sequence counter  KEYS[3] workspace stream
 * KEYS[4] pending workspaces (zset)
 * ARGV[1] new status  ARGV[2] now (ms)  ARGV[3] reason  ARGV[4] workspace id  ARGV[5] event id
 * ARGV[6] event type ('' for a status without an event)  ARGV[7] event data (JSON)  ARGV[8] wake-up channel
 * ARGV[9] most stream entries kept (about)  ARGV[10] oldest stream entry kept (ms), as in append-event
 *
 * Returns {changed, sequence, created_at}: changed as advance_message (1, 0, -1), sequence 0 when
 * nothing was appended, created_at (ms) the message's acceptance time when it changed, else 0.
 */
export const ADVANCE_MESSAGE_EVENT = `
${ADVANCE_MESSAGE_FUNCTION}
${APPEND_EVENT_FUNCTION}
local changed = advance_message(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if changed ~= 1 then return {changed, 0, 0} end
local created = tonumber(redis.call('HGET', KEYS[1], 'created_at')) or 0
if ARGV[6] == '' then return {changed, 0, created} end
local seq = append_event(KEYS[2], KEYS[3], KEYS[4], ARGV[4], ARGV[5], ARGV[6], ARGV[2], ARGV[7], ARGV[2], ARGV[8], ARGV[9], ARGV[10])
return {changed, seq, created}
`;
