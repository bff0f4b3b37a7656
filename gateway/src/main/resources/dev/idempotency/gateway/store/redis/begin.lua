-- Claims KEYS[1] for a new request, or returns the record already there. KEYS[2] is the claim's
-- lease, in the record's slot: 8 bytes of fencing token, then "<lease left, ms>:<Redis time of the
-- last call that counted it, ms>".
-- ARGV[1]: the encoded in-flight record, ARGV[2]: its lease in milliseconds, ARGV[3]: how long the
-- calling gateway has seen Redis answer without a failure (ms), ARGV[4]: how long Redis keeps the
-- claim at most (the lease plus the longest outage it outlives, ms).
-- Lease time is counted by the calls that touch the claim: each counts the time since the last
-- one, but never more than the caller has seen Redis answer, so time Redis was down does not count.
-- A claim without a lease of its own token (written by the previous version) lapses by its PX.
-- With KEYS[3], the client's keys in flight on the route (a sorted set, see in-flight-hold.lua),
-- a free key is claimed only if the client holds fewer than ARGV[5], and the claim takes a place
-- there named ARGV[6] (the fencing token in decimal); else the reply is an empty string and nothing
-- changes. A key that is taken is answered whatever the count.
local current = redis.call('GET', KEYS[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if current then
  if string.byte(current, 2) ~= 0 then
    return current
  end
  local lease = redis.call('GET', KEYS[2])
  if not lease or string.sub(lease, 1, 8) ~= string.sub(current, 3, 10) then
    return current
  end
  local left, last = string.match(string.sub(lease, 9), '^(%-?%d+):(%d+)$')
  if not left then
    return current
  end
  left = tonumber(left) - math.min(math.max(now - tonumber(last), 0), tonumber(ARGV[3]))
  if left > 0 then
    redis.call('SET', KEYS[2], string.sub(lease, 1, 8) .. left .. ':' .. now, 'KEEPTTL')
    return current
  end
  -- The holder had its whole lease of Redis answering and did not renew it: the key is free.
end
if KEYS[3] then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[5]) then
    return ''
  end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[2]), ARGV[6])
  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', KEYS[3], last[2])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[2], string.sub(ARGV[1], 3, 10) .. ARGV[2] .. ':' .. now, 'PX', ARGV[4])
return false
