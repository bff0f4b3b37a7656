-- Closed-loop load for bench/run: every scenario sends the same POST (same headers, same body),
-- so wrk spends the same CPU per request in every scenario on the shared cores.
--   wrk ... -s load.lua <url> -- <mode> <run-id> [pool-size]
--   mode "newkey": every request a new Idempotency-Key (first requests)
--   mode "pool":   cycle through pool-size keys <run-id>-p<n> (replays once they are stored);
--                  give the thread count as 4th argument so threads start at different offsets,
--                  and optionally a first key number as 5th
-- done() prints one "BENCH key=value ..." line that bench/run parses. With BENCH_STATUSES=1 in the
-- environment it also counts the response statuses (wrk then parses every response's headers,
-- which costs load-generator CPU: bench/run sets it only in smoke runs and to explain errors).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local mode, run_id, pool, counter

function init(args)
  mode = args[1] or "newkey"
  run_id = args[2] or "run"
  pool = tonumber(args[3] or "0")
  local thread_count = tonumber(args[4] or "1")
  -- threads walk the pool from different offsets, so they do not ask for the same key together
  counter = (mode == "pool") and math.floor(pool * tid / thread_count) + tonumber(args[5] or "0") or 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Client-Id"] = "bench-client"
  -- the same bytes as bench/wrk/order.json, which bench/run uses to store the replay pool
  wrk.body = '{"customerId":"c-42","items":[{"sku":"A-1","qty":2}],"amount":4200,"currency":"EUR"}'
end

local count_statuses = os.getenv("BENCH_STATUSES") == "1"
if count_statuses then
  statuses = {}
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function request()
  local key
  if mode == "pool" then
    key = run_id .. "-p" .. (counter % pool)
  else
    key = run_id .. "-t" .. tid .. "-" .. counter
  end
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = key
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  local counted = ""
  if count_statuses then
    local merged, codes = {}, {}
    for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
        if merged[status] == nil then table.insert(codes, status) end
        merged[status] = (merged[status] or 0) + count
      end
    end
    table.sort(codes)
    for i, status in ipairs(codes) do
      counted = counted .. (i == 1 and " statuses=" or ",") .. status .. ":" .. merged[status]
    end
  end
  io.write(string.format(
    "BENCH requests=%d duration_us=%d errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d%s\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max, counted))
end
