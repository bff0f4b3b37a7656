-- Claims KEYS[1] for a new request, or returns the record already there.
-- ARGV[1]: the encoded in-flight record, ARGV[2]: its lease in milliseconds.
local current = redis.call('GET', KEYS[1])
if current then
  return current
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
