-- The keys one client holds in flight on one route: KEYS[1] is a sorted set of fencing token ->
-- lease expiry (milliseconds on Redis's clock, so gateway clocks never disagree). Expired entries
-- (a gateway that died stopped renewing them) are dropped first. ARGV[1] the token, ARGV[2] the
-- lease in milliseconds, ARGV[3] the most the client may hold. An entry already held is renewed
-- whatever the count. Returns 1 when the entry is held, 0 when the client holds ARGV[3] already.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
-- The set lives as long as its longest lease, so an idle client leaves nothing behind.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1
