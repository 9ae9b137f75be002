-- list-sessions: one page of the session index (lib/session-index.lua), in member order, from a
-- cursor; never more than ARGV[5] entries examined, so a page costs the same however many sessions
-- there are.
--
-- KEYS[1] the index walked: `all`, `status:<s>` or `terms` of one scope
-- KEYS[2] a status set of the same scope that every result must be in (only when ARGV[6] is '1')
-- ARGV[1] lower bound, ZRANGEBYLEX syntax: '-', '[<prefix>' or '(<cursor member>'
-- ARGV[2] upper bound: '+' or '[<prefix>' followed by a byte above every member's characters
-- ARGV[3] how many results at most   ARGV[4] entries read per ZRANGEBYLEX
-- ARGV[5] entries examined at most    ARGV[6] '1' to keep only members of KEYS[2]
-- ARGV[7] the search prefix when KEYS[1] is a `terms` set ('' otherwise): members are
--         "<term> <session id>"; a session whose id matches is listed by its id entry only
--
-- Returns {next, id…}: next is the member to continue after ('' when the walk reached the end).
local limit, chunk, budget = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local terms = ARGV[7] ~= ''
local out, examined, from = {''}, 0, ARGV[1]
while true do
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], from, ARGV[2], 'LIMIT', 0, chunk)
  for _, member in ipairs(batch) do
    examined = examined + 1
    local id = member
    local keep = true
    if terms then
      local space = string.find(member, ' ', 1, true)
      local term = string.sub(member, 1, space - 1)
      id = string.sub(member, space + 1)
      keep = term == id or string.sub(id, 1, #ARGV[7]) ~= ARGV[7]
    end
    if keep and ARGV[6] == '1' then keep = redis.call('ZSCORE', KEYS[2], id) ~= false end
    if keep then out[#out + 1] = id end
    if #out - 1 >= limit or examined >= budget then
      -- Anything left after this member? Then the page ends here and the next one starts after it.
      if #redis.call('ZRANGEBYLEX', KEYS[1], '(' .. member, ARGV[2], 'LIMIT', 0, 1) > 0 then out[1] = member end
      return out
    end
  end
  if #batch < chunk then return out end
  from = '(' .. batch[#batch]
end
