-- Open-loop load at a fixed rate, for latency below saturation (wrk2 is not in Debian).
--   wrk -t T -c C ... -s paced.lua <url> -- <mode> <run-id> <rate-per-second> <thread-count>
-- Each thread sends on its own schedule of rate/T requests per second: delay() hands out the next
-- slot, request() stamps it into the X-Bench-T0 header, the upstream echoes it, and response()
-- measures from min(slot, actual send). A request sent late because the server fell behind is
-- charged the time it waited (no coordinated omission), as wrk2 does. Resolution: wrk's timers
-- are whole milliseconds, so a send may go out up to 1 ms early; it is then timed from the send.
-- The same POST as load.lua (mode "newkey" or "fixed": one key per request or none reused).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local run_id, interval_us, next_slot
local counter = 0
local slots, slot_head, slot_tail = {}, 1, 0
-- latency histogram: 10 us buckets below 10 ms, 1 ms buckets above (bucket index -> count)
hist = {}
missing = 0
responses = 0

function init(args)
  run_id = args[2] or "run"
  local rate = tonumber(args[3] or "1000")
  local thread_count = tonumber(args[4] or "1")
  interval_us = 1000000 * thread_count / rate
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Client-Id"] = "bench-client"
  -- the same bytes as bench/wrk/order.json, which bench/run uses to store the replay pool
  wrk.body = '{"customerId":"c-42","items":[{"sku":"A-1","qty":2}],"amount":4200,"currency":"EUR"}'
end

function delay()
  local now = now_us()
  if next_slot == nil then
    next_slot = now
  end
  next_slot = next_slot + interval_us
  slot_tail = slot_tail + 1
  slots[slot_tail] = next_slot
  local wait_ms = math.floor((next_slot - now) / 1000)
  return wait_ms > 0 and wait_ms or 0
end

function request()
  local now = now_us()
  local slot = now
  if slot_head <= slot_tail then
    slot = slots[slot_head]
    slots[slot_head] = nil
    slot_head = slot_head + 1
  end
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = run_id .. "-t" .. tid .. "-" .. counter
  wrk.headers["X-Bench-T0"] = string.format("%d", math.min(slot, now))
  return wrk.format()
end

function response(status, headers, body)
  local t0 = headers["X-Bench-T0"] or headers["x-bench-t0"]
  if t0 == nil then
    missing = missing + 1
    return
  end
  local latency = now_us() - tonumber(t0)
  local bucket
  if latency < 10000 then
    bucket = math.floor(latency / 10)
  else
    bucket = 1000 + math.floor(latency / 1000) - 10
  end
  hist[bucket] = (hist[bucket] or 0) + 1
  responses = responses + 1
end

local function bucket_us(bucket)
  if bucket < 1000 then
    return bucket * 10 + 5
  end
  return (bucket - 1000 + 10) * 1000 + 500
end

function done(summary, latency, requests)
  local merged, total, lost = {}, 0, 0
  for _, thread in ipairs(threads) do
    for bucket, count in pairs(thread:get("hist")) do
      merged[bucket] = (merged[bucket] or 0) + count
      total = total + count
    end
    lost = lost + thread:get("missing")
  end
  local buckets = {}
  for bucket in pairs(merged) do
    table.insert(buckets, bucket)
  end
  table.sort(buckets)
  local function percentile(p)
    local wanted, seen = math.ceil(total * p / 100), 0
    for _, bucket in ipairs(buckets) do
      seen = seen + merged[bucket]
      if seen >= wanted then
        return bucket_us(bucket)
      end
    end
    return 0
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d timed=%d untimed=%d p50_us=%d p99_us=%d p999_us=%d wrk_p99_us=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, total, lost,
    percentile(50), percentile(99), percentile(99.9), latency:percentile(99)))
end
