import { ADVANCE_MESSAGE_FUNCTION } from './advance-message';

/**
 * begin-send: marks a message `sending` before its socket write (the advance rule: only from
 * accepted or queued) and says where it stands, in one step. A message already sent, delivered,
 * read or failed is not written again; one still `sending` (an attempt that died between the write
 * and the server's ack) is: at least once until the server acknowledges it.
 *
 * KEYS[1] message hash
 * ARGV[1] now (ms)
 *
 * Returns the message's status after the step, or '' when the record is gone.
 */
export const BEGIN_SEND = `
${ADVANCE_MESSAGE_FUNCTION}
advance_message(KEYS[1], 'sending', ARGV[1], '')
return redis.call('HGET', KEYS[1], 'status') or ''
`;
