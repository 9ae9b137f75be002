-- rate-limit: takes `cost` tokens from a token bucket that holds at most `limit` tokens and refills at
-- `limit` per `window` ms: "limit per window", with bursts up to the limit. Every ingress shares the
-- bucket, and the time is Redis's own (TIME), so ingresses with skewed clocks agree. An absent bucket
-- is full; the bucket expires once it would be full again.
--
-- KEYS[1] the bucket (hash: tokens, at)
-- ARGV[1] limit (tokens, > 0)   ARGV[2] window (ms, > 0)   ARGV[3] cost (tokens to take)
--
-- Returns {allowed (1 or 0), remaining (whole tokens left), reset (ms until the bucket is full again),
--          retry (ms until `cost` tokens are there; 0 when allowed)}.
if redis.replicate_commands then redis.replicate_commands() end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate = limit / window

local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = limit
  at = now
end
if now > at then
  tokens = math.min(limit, tokens + (now - at) * rate)
  at = now
end

local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) / rate)
end
local reset = math.ceil((limit - tokens) / rate)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.max(reset, 1000))
return {allowed, math.floor(tokens), reset, retry}
