-- Absolute streaming write of one entity, atomic: HSET the fields, give exactly those
-- fields their TTL, HDEL the fields to remove. The key-level TTL is not touched. If any
-- expiry status is not as expected, the fields just written are removed again and the call
-- fails, so a streaming field never exists without a TTL.
-- KEYS[1]  the entity's hash
-- ARGV[1]  TTL in seconds for the first group of fields
-- ARGV[2]  n, the number of fields in that group
-- ARGV[3 .. 2+2n]  field, value pairs (HEXPIRE ttl)
-- Optional, after them:
-- ARGV[3+2n]  m, the number of fields that expire at a fixed moment
-- ARGV[4+2n]  that moment, epoch millis (HPEXPIREAT, so a rewrite keeps the original expiry)
-- ARGV[5+2n .. 4+2n+2m]  field, value pairs
-- ARGV[5+2n+2m ..]       fields to remove
local key = KEYS[1]
local n = tonumber(ARGV[2])
local m = 0
local at = nil
local first_removed = 3 + 2 * n
if #ARGV >= 4 + 2 * n then
  m = tonumber(ARGV[3 + 2 * n])
  at = ARGV[4 + 2 * n]
  first_removed = 5 + 2 * n + 2 * m
end

-- HSET count pairs from ARGV[first], then expire them with command (HEXPIRE ttl or HPEXPIREAT
-- moment); nil, or the error text.
local function set(first, count, command, when, accepted)
  if count == 0 then
    return nil
  end
  local hset = {}
  local fields = {}
  for i = 0, count - 1 do
    fields[#fields + 1] = ARGV[first + 2 * i]
    hset[#hset + 1] = ARGV[first + 2 * i]
    hset[#hset + 1] = ARGV[first + 1 + 2 * i]
  end
  redis.call('HSET', key, unpack(hset))
  local codes = redis.call(command, key, when, 'FIELDS', count, unpack(fields))
  for i = 1, count do
    if not accepted[codes[i]] then
      redis.call('HDEL', key, unpack(fields))
      return command .. ' answered ' .. tostring(codes[i]) .. ' for field ' .. fields[i] .. ' of ' .. key
        .. '; the written fields were removed'
    end
  end
  return nil
end

local err = set(3, n, 'HEXPIRE', ARGV[1], {[1] = true})
-- HPEXPIREAT answers 2 when the moment has already passed: the field is deleted, which is right.
err = err or set(5 + 2 * n, m, 'HPEXPIREAT', at, {[1] = true, [2] = true})
if err then
  return redis.error_reply(err)
end
if #ARGV >= first_removed then
  redis.call('HDEL', key, unpack(ARGV, first_removed))
end
return n + m
