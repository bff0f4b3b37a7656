# One wrk run and the counters around it: gateway (or proxy) CPU and peak RSS from /proc, Redis
# commands from INFO commandstats, upstream calls from its own counter. Sourced by bench/run.

# cpu_ticks PID...: utime + stime, in clock ticks (getconf CLK_TCK per second).
cpu_ticks() {
  local pid total=0 stat
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }   # the command name may hold spaces; fields after it are fixed
    # shellcheck disable=SC2086
    set -- $stat
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# Busy CPU ticks of the whole machine (user, nice, system, irq, softirq, steal).
machine_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# children_ticks VAR: CPU ticks of the processes this shell started and waited for (wrk, curl),
# from `times` (2nd line). Not in $(...) or a pipe: a subshell has no children of its own yet.
children_ticks() {
  times >"$WORK/times.txt"
  printf -v "$1" '%s' "$(awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
    total = 0
    for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); total += t[1] * 60 + t[2] }
    printf "%d\n", total * hz }' "$WORK/times.txt")"
}

# Every long-running process of the harness (for "CPU used by others").
harness_pids() { echo "$REDIS_PID" "$UPSTREAM_PID" ${BARE_PID:-} ${GW_A_PID:-} ${GW_B_PID:-} ${GW_O_PID:-} $(nginx_pids); }

# Peak RSS (VmHWM) is reset per run: writing 5 to clear_refs starts a new high-water mark.
hwm_reset() {
  local pid
  for pid in "$@"; do echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true; done
}

hwm_kb() {
  local pid total=0 kb
  for pid in "$@"; do
    kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# Redis command counts as "command calls" lines; the harness's own INFO and PING are left out.
redis_commandstats() {
  redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' |
    awk -F'[_:,=]' '/^cmdstat_/ && $2 != "info" && $2 != "ping" { print $2, $4 }'
}

# redis_delta BEFORE AFTER: "total detail" with detail like evalsha:2000,get:2000
redis_delta() {
  awk 'NR == FNR { before[$1] = $2; next }
       { d = $2 - before[$1]; if (d > 0) { total += d; detail = detail sep $1 ":" d; sep = "," } }
       END { print total + 0, (detail == "" ? "-" : detail) }' "$1" "$2"
}

scenario_url() {
  case ${S_TARGET[$1]} in
    upstream) echo "http://127.0.0.1:$UPSTREAM_PORT${S_PATH[$1]}" ;;
    nginx) echo "http://127.0.0.1:$NGINX_PORT${S_PATH[$1]}" ;;
    bare) echo "http://127.0.0.1:${BARE_PORT:-0}${S_PATH[$1]}" ;;
    O) echo "http://127.0.0.1:${GW_O_PORT:-0}${S_PATH[$1]}" ;;
    A) echo "http://127.0.0.1:${GW_A_PORT:-0}${S_PATH[$1]}" ;;
    B) echo "http://127.0.0.1:${GW_B_PORT:-0}${S_PATH[$1]}" ;;
  esac
}

# The process whose CPU and memory a scenario is charged: the proxy in front of the upstream
# (gateway or nginx), or the upstream itself for scenario 1.
scenario_pids() {
  case ${S_TARGET[$1]} in
    upstream) echo "$UPSTREAM_PID" ;;
    nginx) nginx_pids ;;
    bare) echo "${BARE_PID:-}" ;;
    O) echo "${GW_O_PID:-}" ;;
    A) echo "${GW_A_PID:-}" ;;
    B) echo "${GW_B_PID:-}" ;;
  esac
}

# Key base for load.lua: new keys are unique per run; replays walk the pool stored beforehand.
scenario_key_base() {
  if [[ ${S_MODE[$1]} == pool ]]; then echo "$POOL_ID"; else echo "$RUN_ID-$1-$2"; fi
}

# wrk_load SCENARIO TAG SECONDS [CONNECTIONS]: closed-loop load; prints wrk's BENCH line.
wrk_load() {
  local id=$1 tag=$2 seconds=$3 connections=${4:-$CONNECTIONS} out
  out=$(wrk -t"$THREADS" -c"$connections" -d"${seconds}s" --timeout 10s -s "$BENCH_DIR/wrk/load.lua" \
    "$(scenario_url "$id")" -- "${S_MODE[$id]}" "$(scenario_key_base "$id" "$tag")" "$POOL" "$THREADS" 2>&1) \
    || die "wrk failed for scenario $id: $out"
  grep '^BENCH ' <<<"$out" || die "wrk printed no result for scenario $id: $out"
}

# Waits until the upstream's order counter stops moving: requests still in flight from the run
# before (the gateway finishes them after wrk has gone) must not count in the next one.
await_quiet_upstream() {
  local previous current _
  previous=$(upstream_orders)
  for _ in $(seq 25); do
    sleep 0.2
    current=$(upstream_orders)
    [[ $current == "$previous" ]] && return 0
    previous=$current
  done
}

warm_up() {
  local id=$1 seconds=$2
  ((seconds > 0)) || return 0
  wrk_load "$id" "warm$RANDOM" "$seconds" >/dev/null
}

# others_cores SECONDS: cores that processes other than the harness (and this shell's children)
# keep busy, over the next SECONDS.
others_cores() {
  local busy0 ours0 busy1 ours1
  # shellcheck disable=SC2046
  ours0=$(cpu_ticks $(harness_pids))
  busy0=$(machine_busy_ticks)
  sleep "$1"
  busy1=$(machine_busy_ticks)
  # shellcheck disable=SC2046
  ours1=$(cpu_ticks $(harness_pids))
  awk -v d=$((busy1 - busy0 - ours1 + ours0)) -v hz="$(getconf CLK_TCK)" -v s="$1" 'BEGIN { printf "%.2f\n", d / hz / s }'
}

# The machine may be shared (the lead's test runs): before a measured run, wait until other
# processes use less than QUIET_CORES cores, for at most QUIET_WAIT seconds a run and until
# QUIET_DEADLINE (seconds since the start) for the whole sitting.
await_quiet_machine() {
  local waited=0 others
  ((QUIET_WAIT > 0 && SECONDS < QUIET_DEADLINE)) || return 0
  while :; do
    others=$(others_cores 1)
    awk -v o="$others" -v q="$QUIET_CORES" 'BEGIN { exit !(o < q) }' && break
    ((waited == 0)) && log "other processes keep $others cores busy: waiting for them (up to ${QUIET_WAIT}s)"
    waited=$((waited + 3))
    ((waited < QUIET_WAIT && SECONDS < QUIET_DEADLINE)) || { log "measuring anyway ($others cores busy elsewhere)"; break; }
    sleep 2
  done
  QUIET_WAITED=$((QUIET_WAITED + waited))
}

# measure SCENARIO ROUND: one measured run, recorded as kind=run. A run during which other
# processes used more than QUIET_CORES is recorded as kind=discarded and run again (QUIET_RETRIES
# times at most; the last attempt is kept whatever happened, and the report shows that load).
measure() {
  local attempt
  for ((attempt = 0; attempt <= QUIET_RETRIES; attempt++)); do
    RETRIES_LEFT=$((QUIET_RETRIES - attempt))
    measure_once "$@"
    [[ $LAST_RUN_DISCARDED == false ]] && return 0
  done
}

measure_once() {
  local id=$1 round=$2 pids line
  read -r -a pids <<<"$(scenario_pids "$id")"
  await_quiet_machine
  warm_up "$id" "$RUN_WARMUP"
  await_quiet_upstream
  redis_commandstats >"$WORK/redis.before"
  local orders0 ticks0 up0 redis0
  orders0=$(upstream_orders "${S_PATH[$id]}")
  hwm_reset "${pids[@]}"
  ticks0=$(cpu_ticks "${pids[@]}")
  up0=$(cpu_ticks "$UPSTREAM_PID")
  redis0=$(cpu_ticks "$REDIS_PID")
  local busy0 ours0 kids0
  # shellcheck disable=SC2046
  ours0=$(cpu_ticks $(harness_pids))
  children_ticks kids0
  busy0=$(machine_busy_ticks)
  line=$(wrk_load "$id" "r$round" "$DURATION")
  local busy1 ours1 kids1
  busy1=$(machine_busy_ticks)
  children_ticks kids1
  # shellcheck disable=SC2046
  ours1=$(cpu_ticks $(harness_pids))
  await_quiet_upstream
  local ticks1 up1 redis1 hwm orders1
  ticks1=$(cpu_ticks "${pids[@]}")
  up1=$(cpu_ticks "$UPSTREAM_PID")
  redis1=$(cpu_ticks "$REDIS_PID")
  hwm=$(hwm_kb "${pids[@]}")
  orders1=$(upstream_orders "${S_PATH[$id]}")
  redis_commandstats >"$WORK/redis.after"
  local redis_total redis_detail
  read -r redis_total redis_detail <<<"$(redis_delta "$WORK/redis.before" "$WORK/redis.after")"
  local others kind=run
  others=$(awk -v d=$((busy1 - busy0 - ours1 + ours0 - kids1 + kids0)) -v hz="$(getconf CLK_TCK)" \
    -v s="$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$line")" 'BEGIN { printf "%.2f", d / hz / (s / 1e6) }')
  LAST_RUN_DISCARDED=false
  if ((QUIET_WAIT > 0 && SECONDS < QUIET_DEADLINE && RETRIES_LEFT > 0)) &&
    awk -v o="$others" -v q="$QUIET_CORES" 'BEGIN { exit !(o >= q) }'; then
    LAST_RUN_DISCARDED=true
    kind=discarded
    log "round $round, scenario $id: other processes used $others cores meanwhile; running it again"
  fi
  record "kind=$kind scenario=$id round=$round ${line#BENCH } proxy_ticks=$((ticks1 - ticks0))" \
    "hwm_kb=$hwm upstream_ticks=$((up1 - up0)) redis_ticks=$((redis1 - redis0)) redis_cmds=$redis_total" \
    "redis_detail=$redis_detail upstream_orders=$((orders1 - orders0))" \
    "machine_ticks=$((busy1 - busy0)) harness_ticks=$((ours1 - ours0)) wrk_ticks=$((kids1 - kids0))"
  [[ $kind == run ]] || return 0
  local requests duration_us p99_us
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  duration_us=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$line")
  p99_us=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line")
  log "round $round, scenario $id (${S_LABEL[$id]}): $((requests * 1000000 / (duration_us > 0 ? duration_us : 1))) req/s," \
    "p99 $((p99_us / 1000)).$(printf '%03d' $((p99_us % 1000))) ms"
  if [[ $line =~ errors_status=([1-9][0-9]*) && -z ${BENCH_STATUSES:-} ]]; then
    # explain the errors: a short run that counts the response statuses
    local statuses
    statuses=$(BENCH_STATUSES=1 wrk_load "$id" "diag$round" 3)
    record "kind=statuses scenario=$id round=$round ${statuses#BENCH }"
    log "scenario $id answered non-2xx: $(grep -o 'statuses=[^ ]*' <<<"$statuses")"
  fi
}

# paced SCENARIO REP RATE: open-loop load at RATE req/s, latency measured from the intended send.
paced() {
  local id=$1 rep=$2 rate=$3 out line
  await_quiet_machine
  out=$(wrk -t"$THREADS" -c"$PACED_CONNECTIONS" -d"${PACED_DURATION}s" --timeout 10s -s "$BENCH_DIR/wrk/paced.lua" \
    "$(scenario_url "$id")" -- newkey "$RUN_ID-paced-$id-$rep" "$rate" "$THREADS" 2>&1) \
    || die "wrk (paced) failed for scenario $id: $out"
  line=$(grep '^BENCH ' <<<"$out") || die "wrk (paced) printed no result for scenario $id: $out"
  record "kind=paced scenario=$id rep=$rep rate=$rate ${line#BENCH }"
  log "paced $rate req/s, scenario $id: $(sed -E 's/.* (p50_us=[0-9]+ p99_us=[0-9]+ p999_us=[0-9]+).*/\1/' <<<"$line")"
}

# roundtrips SCENARIO: counts the commands the gateway sends to Redis (MONITOR marks the ones a
# Lua script runs inside Redis as "lua", which are not round trips). MONITOR slows Redis down, so
# this is a separate short run, never a measured one.
roundtrips() {
  local id=$1 monitor_pid line file="$WORK/monitor-$1.txt"
  start_bg monitor_pid "$file" redis-cli -p "$REDIS_PORT" monitor
  sleep 0.3
  # few connections: requests still in flight when wrk stops are counted by MONITOR, not by wrk
  line=$(wrk_load "$id" "rt" "$RT_DURATION" 4)
  sleep 0.5
  stop_pid "$monitor_pid"
  local client lua detail
  client=$(grep -cE '^[0-9.]+ \[[0-9]+ [^]l][^]]*\] ' "$file" || true)
  lua=$(grep -cE '^[0-9.]+ \[[0-9]+ lua\] ' "$file" || true)
  detail=$(grep -E '^[0-9.]+ \[[0-9]+ [^]l][^]]*\] ' "$file" | awk '{ gsub(/"/, "", $4); n[tolower($4)]++ }
    END { for (c in n) { printf "%s%s:%d", sep, c, n[c]; sep = "," } }')
  record "kind=rt scenario=$id ${line#BENCH } client_cmds=$client lua_cmds=$lua rt_detail=${detail:--}"
  rm -f "$file"
}
