/**
 * Stores a dead letter and applies the dead letters' retention: none older than `max_age` ms (by
 * dead_at), at most `max_count` per workspace (the oldest go first), and both keys expire `max_age`
 * after the newest dead letter (then every one in them was older than that). Dead letters written
 * before their ages were recorded are indexed once, on the first store that finds them.
 */
const KEEP_DEAD_LETTER_FUNCTION = `
local function drop_dead_letters(hash, ages, ids)
  for i = 1, #ids, 500 do
    local chunk = {}
    for j = i, math.min(i + 499, #ids) do chunk[#chunk + 1] = ids[j] end
    redis.call('HDEL', hash, unpack(chunk))
    redis.call('ZREM', ages, unpack(chunk))
  end
end

local function keep_dead_letter(hash, ages, id, json, now, max_count, max_age)
  redis.call('HSET', hash, id, json)
  redis.call('ZADD', ages, now, id)
  if redis.call('HLEN', hash) > redis.call('ZCARD', ages) then
    local all = redis.call('HGETALL', hash)
    for i = 1, #all, 2 do
      if not redis.call('ZSCORE', ages, all[i]) then
        local ok, dead = pcall(cjson.decode, all[i + 1])
        redis.call('ZADD', ages, (ok and type(dead) == 'table' and tonumber(dead.dead_at)) or 0, all[i])
      end
    end
  end
  local drop = redis.call('ZRANGEBYSCORE', ages, '-inf', '(' .. (now - max_age))
  local over = redis.call('ZCARD', ages) - #drop - max_count
  if over > 0 then
    for _, oldest in ipairs(redis.call('ZRANGE', ages, #drop, #drop + over - 1)) do drop[#drop + 1] = oldest end
  end
  drop_dead_letters(hash, ages, drop)
  redis.call('PEXPIRE', hash, max_age)
  redis.call('PEXPIRE', ages, max_age)
end
`;

/**
 * settle-event: the head event of a workspace is done with (delivered, filtered out, or moved to the
 * dead letters): moves the workspace's cursor past it (or removes it from the replay set), clears
 * its retry state, extends the caller's lock and trims delivered events beyond the retention; a dead
 * letter is stored under the dead letters' retention (count and age). Refused when the caller no
 * longer holds the workspace's lock (another dispatcher took over).
 *
 * KEYS[1] workspace lock  KEYS[2] cursors (hash)  KEYS[3] retry state (hash)  KEYS[4] stream
 * KEYS[5] replay set (zset)  KEYS[6] dead letters (hash)  KEYS[7] dead letter ages (zset)
 * ARGV[1] lock token  ARGV[2] workspace id  ARGV[3] sequence  ARGV[4] lock ms  ARGV[5] delivered
 * events to retain  ARGV[6] replay member ('' for a stream event)  ARGV[7] event id
 * ARGV[8] dead letter JSON ('' unless dead-lettering)  ARGV[9] now (ms, the dead letter's dead_at)
 * ARGV[10] most dead letters kept per workspace  ARGV[11] oldest dead letter kept (ms)
 *
 * Returns 1 when settled, 0 when the lock is not held.
 */
export const SETTLE_EVENT = `
${KEEP_DEAD_LETTER_FUNCTION}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if ARGV[8] ~= '' then
  keep_dead_letter(KEYS[6], KEYS[7], ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]))
end
if ARGV[6] ~= '' then
  redis.call('ZREM', KEYS[5], ARGV[6])
  return 1
end
local seq = tonumber(ARGV[3])
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if seq > current then redis.call('HSET', KEYS[2], ARGV[2], seq) end
local retain = tonumber(ARGV[5])
if seq - retain > 0 then redis.call('XTRIM', KEYS[4], 'MINID', '~', (seq - retain + 1) .. '-0') end
return 1
`;
