# bench/run --overload (issue 20): the first-request path (scenario 4, Redis) driven at twice its
# own saturation, open loop, for OVERLOAD_MINUTES; then the load stops and the time until the
# gateway answers fresh requests promptly again is measured. Sourced by bench/run.
#
# What it reports (bench/results/overload-<stamp>.md, and kind=overload lines in the runs file):
#   - answers: 2xx, fast refusals (503/429 with Retry-After, application/problem+json), anything
#     else (each one an error of the run), and wrk's socket errors and timeouts;
#   - upstream executions against distinct keys sent (every request carries a new key and is never
#     retried, so more executions than keys would be a second execution);
#   - the gateway's RSS every 5 s;
#   - recovery: from the end of the load until 5 probes in a row answer 201 within 200 ms.

OVERLOAD_MINUTES=${OVERLOAD_MINUTES:-5}
OVERLOAD_CONNECTIONS=${OVERLOAD_CONNECTIONS:-1024}
OVERLOAD_SATURATION_SECONDS=${OVERLOAD_SATURATION_SECONDS:-15}
# The gateway here is a fresh JVM: after the full run's 10 s warm-up, saturation measured 1,047
# req/s against 4,009 in a full run a minute earlier (most likely its first-request path was still
# being compiled), so "2x" offered half the warm saturation. A minute of load first, then measure;
# the measurement still moves between runs (2,529 and 4,515 in one sitting), hence OVERLOAD_RATE.
OVERLOAD_WARMUP=${OVERLOAD_WARMUP:-60}

# overload_probe URL: "<status> <milliseconds>" of one new-key request.
overload_probe() {
  curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 -X POST -H 'Content-Type: application/json' \
    -H 'X-Client-Id: bench-client' -H "Idempotency-Key: $RUN_ID-recovery-$RANDOM$RANDOM" \
    -d '{"probe":true}' "$1" | awk '{ printf "%s %d", $1, $2 * 1000 }'
}

run_overload() {
  # Servers as for --rss: Redis, the upstream and gateway A only (MODE is read by start_servers).
  local MODE=rss
  ensure_tools
  build_all
  record_meta
  start_servers
  check_replay A
  probe_scenarios
  available 4 || die "the overload run needs scenario 4 (${S_REASON[4]:-})"
  local url path saturation rate seconds samples out line before after executions t_end recovered=-1 streak=0 probe probes=0
  url=$(scenario_url 4)
  path=${S_PATH[4]}
  log "warm-up of scenario 4: ${OVERLOAD_WARMUP}s closed loop, $CONNECTIONS connections"
  warm_up 4 "$OVERLOAD_WARMUP"

  log "saturation of scenario 4: ${OVERLOAD_SATURATION_SECONDS}s closed loop, $CONNECTIONS connections"
  line=$(wrk_load 4 "saturation" "$OVERLOAD_SATURATION_SECONDS")
  saturation=$(awk '{ match($0, /requests=[0-9]+/); r = substr($0, RSTART + 9, RLENGTH - 9)
                      match($0, /duration_us=[0-9]+/); d = substr($0, RSTART + 12, RLENGTH - 12); printf "%d", r * 1e6 / d }' <<<"$line")
  # OVERLOAD_RATE offers a given rate instead: to compare settings at the same load, since the
  # saturation measured here moves by half between runs of one sitting on a shared machine.
  rate=${OVERLOAD_RATE:-$((saturation * 2))}
  record "kind=overload phase=saturation rate=$saturation ${line#BENCH }"

  seconds=$((OVERLOAD_MINUTES * 60))
  samples="$WORK/overload-rss.txt"
  log "overload: $rate req/s (saturation $saturation) open loop, $OVERLOAD_CONNECTIONS connections, ${OVERLOAD_MINUTES} min"
  before=$(upstream_orders "$path")
  (
    t0=$SECONDS
    while kill -0 "$GW_A_PID" 2>/dev/null; do
      echo "$((SECONDS - t0)) $(rss_kb "$GW_A_PID")" >>"$samples"
      sleep 5
    done
  ) &
  STARTED_PIDS+=($!)
  out=$(wrk -t"$THREADS" -c"$OVERLOAD_CONNECTIONS" -d"${seconds}s" --timeout 10s -s "$BENCH_DIR/wrk/overload.lua" \
    "$url" -- "$RUN_ID-overload" "$rate" "$THREADS" 2>&1) || die "wrk (overload) failed: $out"
  t_end=$SECONDS
  line=$(grep '^OVERLOAD ' <<<"$out") || die "wrk (overload) printed no result: $out"

  # Recovery: the first of 5 prompt 201s in a row, probed every 100 ms, for at most 60 s.
  local started_ms now_ms
  started_ms=$(date +%s%3N)
  while ((SECONDS - t_end < 60)); do
    probe=$(overload_probe "$url")
    probes=$((probes + 1))
    if [[ ${probe%% *} == 201 && ${probe##* } -lt 200 ]]; then
      streak=$((streak + 1))
      if ((streak == 5)); then
        now_ms=$(date +%s%3N)
        recovered=$((now_ms - started_ms))
        break
      fi
    else
      streak=0
    fi
    sleep 0.1
  done
  # Stragglers: requests the gateway still finishes after wrk gave up on them.
  sleep 2
  after=$(upstream_orders "$path")
  executions=$((after - before))

  local rss_max rss_first rss_last ok keys answered
  rss_first=$(awk 'NR == 1 { print $2 }' "$samples")
  rss_last=$(awk '{ v = $2 } END { print v }' "$samples")
  rss_max=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$samples")
  ok=$(sed -E 's/.* ok=([0-9]+).*/\1/' <<<"$line")
  answered=$(sed -E 's/^OVERLOAD requests=([0-9]+).*/\1/' <<<"$line")
  # The recovery probes are new keys on the same path: counted with the load's.
  keys=$(($(sed -E 's/.* keys=([0-9]+).*/\1/' <<<"$line") + probes))
  record "kind=overload phase=load rate=$rate connections=$OVERLOAD_CONNECTIONS seconds=$seconds ${line#OVERLOAD }" \
    "probes=$probes executions=$executions recovery_ms=$recovered rss_first_kb=$rss_first rss_max_kb=$rss_max rss_last_kb=$rss_last"
  record "kind=meta load_after=\"$(load_average)\""
  stop_all

  local report="$RESULTS/overload-$STAMP.md"
  {
    echo "# Overload run $STAMP"
    echo
    echo "\`$COMMAND_LINE\` on $(nproc) cores; load average before: $(grep -m1 -o 'load_before="[^"]*"' "$RUNS_FILE" | cut -d'"' -f2), after: $(load_average)."
    echo "Gateway \`$GATEWAY_JAVA_OPTS\` (\`idempotency.overload.max-concurrent-requests\`: 512 unless set there); scenario 4 (new key, Redis store)."
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| saturation of scenario 4 (closed loop, $CONNECTIONS connections, ${OVERLOAD_SATURATION_SECONDS} s) | $saturation req/s |"
    echo "| offered load | $rate req/s open loop, $OVERLOAD_CONNECTIONS connections, $seconds s |"
    echo "| requests sent, each with a key of its own / answered (the rest timed out or were still in flight when wrk stopped) | $((keys - probes)) / $answered |"
    echo "| 2xx | $ok |"
    echo "| fast refusals (503/429 + Retry-After + problem+json) | $(sed -E 's/.* refused=([0-9]+).*/\1/' <<<"$line") |"
    echo "| **other answers (errors)** | **$(sed -E 's/.* other=([0-9]+).*/\1/' <<<"$line")** (statuses: $(sed -E 's/.* other_statuses=([^ ]+).*/\1/' <<<"$line")) |"
    echo "| socket errors connect / read / write / timeouts | $(sed -E 's/.* errors_connect=([0-9]+) errors_read=([0-9]+) errors_write=([0-9]+) errors_timeout=([0-9]+).*/\1 \/ \2 \/ \3 \/ \4/' <<<"$line") |"
    echo "| latency p50 / p99 / max (all answers, closed per connection) | $(sed -E 's/.* p50_us=([0-9]+) p99_us=([0-9]+) max_us=([0-9]+).*/\1 \/ \2 \/ \3 µs/' <<<"$line") |"
    echo "| upstream executions / 2xx answers / distinct keys sent (with $probes recovery probes) | $executions / $ok / $keys |"
    echo "| gateway RSS first / max / last sample (every 5 s) | $((rss_first / 1024)) / $((rss_max / 1024)) / $((rss_last / 1024)) MiB |"
    echo "| recovery after the load stopped (5 prompt 201s in a row) | $( ((recovered >= 0)) && echo "$recovered ms" || echo "not within 60 s") |"
    echo
    echo "RSS samples (seconds, KiB): \`$(tr '\n' ' ' <"$samples" | cut -c1-2000)\`"
  } >"$report"
  cp "$report" "$RESULTS/overload-latest.md"
  cp "$RUNS_FILE" "$RESULTS/overload-$STAMP.runs.txt"
  log "report: bench/results/overload-$STAMP.md (and overload-latest.md)"
  # The run fails on any answer but 2xx or a fast refusal, on socket errors or timeouts, or on more executions than keys.
  [[ $(sed -E 's/.* other=([0-9]+).*/\1/' <<<"$line") == 0 ]] || die "answers other than 2xx and fast refusals: see $report"
  ((executions <= keys)) || die "more upstream executions ($executions) than keys sent ($keys): see $report"
  [[ $(sed -E 's/.* errors_connect=([0-9]+) errors_read=([0-9]+) errors_write=([0-9]+) errors_timeout=([0-9]+).*/\1\2\3\4/' <<<"$line") =~ ^0+$ ]] ||
    die "socket errors or timeouts (requests neither answered nor refused): see $report"
}
