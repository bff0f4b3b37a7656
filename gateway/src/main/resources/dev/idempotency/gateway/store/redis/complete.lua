-- Stores a completed record unless another owner holds the key or stored its result, and drops
-- the claim's lease KEYS[2] (see begin.lua).
-- Record layout (RecordCodec): byte 2 is the state (0 = in flight), bytes 3-10 the fencing token.
-- ARGV[1]: the owner's token (8 bytes), ARGV[2]: the completed record, ARGV[3]: ttl in milliseconds,
-- ARGV[4]: the channel that wakes requests waiting on this key.
-- With KEYS[3], the client's keys in flight (begin.lua): the owner's place there, ARGV[5] (its token
-- in decimal), is freed whatever the answer; the request is over.
if KEYS[3] then
  redis.call('ZREM', KEYS[3], ARGV[5])
end
local current = redis.call('GET', KEYS[1])
if current then
  if string.sub(current, 3, 10) ~= ARGV[1] then
    return 0
  end
  if string.byte(current, 2) ~= 0 then
    -- Already completed under this token: a retry whose first attempt was applied. Keep it.
    return 1
  end
end
-- current == nil: the lease ran out and nobody claimed the key; the upstream did execute, keep it.
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[4], KEYS[1])
return 1
