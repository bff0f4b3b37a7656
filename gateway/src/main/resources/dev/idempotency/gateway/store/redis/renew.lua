-- Gives the caller (ARGV[1], its token) a whole lease again, ARGV[2] ms (counted as in begin.lua),
-- if it holds KEYS[1] in flight; KEYS[2] is the lease. ARGV[3]: how long Redis keeps the claim at most.
local current = redis.call('GET', KEYS[1])
if current and string.byte(current, 2) == 0 and string.sub(current, 3, 10) == ARGV[1] then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('SET', KEYS[2], ARGV[1] .. ARGV[2] .. ':' .. now, 'PX', ARGV[3])
  return 1
end
return 0
