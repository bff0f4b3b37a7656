-- Deletes KEYS[1] and its lease KEYS[2] if it is still in flight under the caller's fencing token
-- (ARGV[1]), and wakes requests waiting on it through the channel ARGV[2]. With KEYS[3], the client's
-- keys in flight (begin.lua): the caller's place there, ARGV[3], is freed whatever the answer.
if KEYS[3] then
  redis.call('ZREM', KEYS[3], ARGV[3])
end
local current = redis.call('GET', KEYS[1])
if current and string.byte(current, 2) == 0 and string.sub(current, 3, 10) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('PUBLISH', ARGV[2], KEYS[1])
  return 1
end
return 0
