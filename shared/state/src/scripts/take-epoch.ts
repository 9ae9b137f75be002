/**
 * take-epoch: takes a session for a new run by bumping its fencing epoch, which only grows.
 *
 * KEYS[1] session hash
 * ARGV[1] owner (worker id)  ARGV[2] now (ms)
 *
 * Returns the bumped epoch, or 0 if the session does not exist.
 */
export const TAKE_EPOCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'updated_at', ARGV[2])
return epoch
`;
