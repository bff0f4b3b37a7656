-- Gives the caller (ARGV[1], its token) a whole lease again, ARGV[2] ms (counted as in begin.lua),
-- if it holds KEYS[1] in flight; KEYS[2] is the lease. ARGV[3]: how long Redis keeps the claim at most.
-- With KEYS[3], the client's keys in flight (begin.lua), the caller's place there, ARGV[4], is held for
-- the new lease too, if it still holds it: a place that was freed (its result went to the store) or
-- that lapsed is not taken again.
local current = redis.call('GET', KEYS[1])
if current and string.byte(current, 2) == 0 and string.sub(current, 3, 10) == ARGV[1] then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('SET', KEYS[2], ARGV[1] .. ARGV[2] .. ':' .. now, 'PX', ARGV[3])
  local place = KEYS[3] and redis.call('ZSCORE', KEYS[3], ARGV[4])
  if place and tonumber(place) > now then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[4])
    local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
    redis.call('PEXPIREAT', KEYS[3], last[2])
  end
  return 1
end
return 0
