-- Extends the lease of KEYS[1] to ARGV[2] ms if it is in flight under the caller's token (ARGV[1]).
local current = redis.call('GET', KEYS[1])
if current and string.byte(current, 2) == 0 and string.sub(current, 3, 10) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
