-- keep_dead_letter(hash, ages, id, json, now, max_count, max_age): stores a dead letter and applies the
-- dead letters' retention: none older than `max_age` ms (by dead_at), at most `max_count` per
-- workspace (the oldest go first), and both keys expire `max_age` after the newest dead letter (then
-- every one in them was older than that). Dead letters written before their ages were recorded are
-- indexed once, on the first store that finds them.
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
  -- Scores grow with each store, so "the oldest" is the first stored even when many die in the same
  -- millisecond (a tie would order them by id, as text, and drop a newer one).
  local newest = redis.call('ZRANGE', ages, -1, -1, 'WITHSCORES')
  local score = now
  if newest[2] and tonumber(newest[2]) >= score then score = tonumber(newest[2]) + 0.001 end
  redis.call('ZADD', ages, score, id)
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
