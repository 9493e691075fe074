-- Every field of one entity with its per-field TTL, and the key TTL, in one round trip.
-- Returns {} for a missing key, else { {field, value, ...}, {ttl per field}, key_ttl }.
local key = KEYS[1]
local flat = redis.call('HGETALL', key)
if #flat == 0 then
  return {}
end
local fields = {}
for i = 1, #flat, 2 do
  fields[#fields + 1] = flat[i]
end
local ttls = redis.call('HTTL', key, 'FIELDS', #fields, unpack(fields))
return { flat, ttls, redis.call('TTL', key) }
