-- Every field of one entity with its per-field TTL, and the key TTL, in one round trip.
-- ARGV[1]: the most fields shown; ARGV[2..]: the registry's features of the entity.
-- Returns {} for a missing key, else { {field, value, ...}, {ttl per field}, key_ttl, fields in the hash }.
-- A hash of more fields than ARGV[1] (written by something else) shows only the registry's
-- features: the work stays bounded, and a script never unpacks more than Lua allows.
local key = KEYS[1]
local count = redis.call('HLEN', key)
if count == 0 then
  return {}
end
local flat
local fields = {}
if count <= tonumber(ARGV[1]) then
  flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    fields[#fields + 1] = flat[i]
  end
else
  local values = redis.call('HMGET', key, unpack(ARGV, 2))
  flat = {}
  for i = 1, #values do
    if values[i] then
      fields[#fields + 1] = ARGV[i + 1]
      flat[#flat + 1] = ARGV[i + 1]
      flat[#flat + 1] = values[i]
    end
  end
end
local ttls = {}
if #fields > 0 then
  ttls = redis.call('HTTL', key, 'FIELDS', #fields, unpack(fields))
end
return { flat, ttls, redis.call('TTL', key), count }
