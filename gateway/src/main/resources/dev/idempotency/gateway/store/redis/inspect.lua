-- Returns {record, remaining ttl in ms} for KEYS[1], or an empty list when there is none.
local current = redis.call('GET', KEYS[1])
if not current then
  return {}
end
return {current, redis.call('PTTL', KEYS[1])}
