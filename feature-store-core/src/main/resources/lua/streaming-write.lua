-- Absolute streaming write of one entity, atomic: HSET the fields, give exactly those
-- fields the stream TTL (HEXPIRE), HDEL the fields to remove. The key-level TTL is not
-- touched. If any HEXPIRE status is not 1, the fields just written are removed again and
-- the call fails, so a streaming field never exists without a TTL.
-- KEYS[1]  the entity's hash
-- ARGV[1]  TTL in seconds
-- ARGV[2]  n, the number of fields to set
-- ARGV[3 .. 2+2n]  field, value pairs
-- ARGV[3+2n ..]    fields to remove
local key = KEYS[1]
local ttl = ARGV[1]
local n = tonumber(ARGV[2])
if n > 0 then
  local hset = {}
  local fields = {}
  for i = 0, n - 1 do
    local field = ARGV[3 + 2 * i]
    hset[#hset + 1] = field
    hset[#hset + 1] = ARGV[4 + 2 * i]
    fields[#fields + 1] = field
  end
  redis.call('HSET', key, unpack(hset))
  local codes = redis.call('HEXPIRE', key, ttl, 'FIELDS', n, unpack(fields))
  for i = 1, n do
    if codes[i] ~= 1 then
      redis.call('HDEL', key, unpack(fields))
      return redis.error_reply('HEXPIRE answered ' .. tostring(codes[i]) .. ' for field ' .. fields[i]
        .. ' of ' .. key .. '; the written fields were removed')
    end
  end
end
local first_removed = 3 + 2 * n
if #ARGV >= first_removed then
  redis.call('HDEL', key, unpack(ARGV, first_removed))
end
return n
