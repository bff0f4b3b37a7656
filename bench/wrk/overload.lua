-- Open-loop load past saturation, for bench/run --overload.
--   wrk -t T -c C ... -s overload.lua <url> -- <run-id> <rate-per-second> <thread-count>
-- Each thread sends rate/T new-key requests per second on its own schedule (as paced.lua), with
-- the same POST as load.lua, and sorts every answer: 2xx, a fast refusal (503 or 429 with
-- Retry-After and an application/problem+json body), or anything else (an error of the run).
-- done() prints one "OVERLOAD key=value ..." line.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local run_id, interval_ms, next_slot
counter = 0 -- requests sent by this thread, each with a key of its own
ok, refused, refused_slow, other = 0, 0, 0, 0
other_statuses = ""

function init(args)
  run_id = args[1] or "run"
  local rate = tonumber(args[2] or "1000")
  local thread_count = tonumber(args[3] or "1")
  interval_ms = 1000 * thread_count / rate
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Client-Id"] = "bench-client"
  wrk.body = '{"customerId":"c-42","items":[{"sku":"A-1","qty":2}],"amount":4200,"currency":"EUR"}'
end

function delay()
  local now = wrk_now_ms()
  if next_slot == nil then
    next_slot = now
  end
  next_slot = next_slot + interval_ms
  local wait = math.floor(next_slot - now)
  return wait > 0 and wait or 0
end

-- wall clock in ms (wrk's Lua has no monotonic clock without ffi)
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } overload_timespec;
  int clock_gettime(int clock_id, overload_timespec *tp);
]]
local ts = ffi.new("overload_timespec")
function wrk_now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1000000
end

function request()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = run_id .. "-t" .. tid .. "-" .. counter
  return wrk.format()
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    return
  end
  local retry_after = headers["Retry-After"] or headers["retry-after"]
  local content_type = headers["Content-Type"] or headers["content-type"] or ""
  if (status == 503 or status == 429) and retry_after ~= nil and content_type:find("application/problem+json", 1, true) then
    refused = refused + 1
    return
  end
  other = other + 1
  if #other_statuses < 200 then
    other_statuses = other_statuses .. status .. ";"
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, refused = 0, other = 0, keys = 0 }
  local statuses = ""
  for _, thread in ipairs(threads) do
    t.ok = t.ok + thread:get("ok")
    t.refused = t.refused + thread:get("refused")
    t.other = t.other + thread:get("other")
    t.keys = t.keys + thread:get("counter")
    statuses = statuses .. thread:get("other_statuses")
  end
  local e = summary.errors
  io.write(string.format(
    "OVERLOAD requests=%d keys=%d duration_us=%d ok=%d refused=%d other=%d other_statuses=%s errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, t.keys, summary.duration, t.ok, t.refused, t.other, statuses == "" and "none" or statuses,
    e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
