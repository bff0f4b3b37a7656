-- Returns {record, remaining ms} for KEYS[1], or an empty list when there is none. For a claim with
-- a lease of its own (KEYS[2], see begin.lua) the remaining time is what is left of the lease,
-- counted as begin.lua counts it with ARGV[1] (how long the caller has seen Redis answer), but not
-- written back; otherwise the record's time to live.
local current = redis.call('GET', KEYS[1])
if not current then
  return {}
end
if string.byte(current, 2) == 0 then
  local lease = redis.call('GET', KEYS[2])
  if lease and string.sub(lease, 1, 8) == string.sub(current, 3, 10) then
    local left, last = string.match(string.sub(lease, 9), '^(%-?%d+):(%d+)$')
    if left then
      local time = redis.call('TIME')
      local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
      return {current, tonumber(left) - math.min(math.max(now - tonumber(last), 0), tonumber(ARGV[1]))}
    end
  end
end
return {current, redis.call('PTTL', KEYS[1])}
