# The scenarios of issue 9 and the plans that run them. Sourced by bench/run.

declare -A S_LABEL S_TARGET S_PATH S_MODE S_ROUTE
SCENARIO_IDS=(0 1 2 3 3b 4 4m 5 6 7a 7b)
define_scenario() { S_LABEL[$1]=$2; S_TARGET[$1]=$3; S_PATH[$1]=$4; S_MODE[$1]=$5; S_ROUTE[$1]=${6:-}; }
define_scenario 0  "bare Spring Cloud Gateway"             bare     /bare/orders           newkey
define_scenario 1  "upstream directly"                     upstream /orders                newkey
define_scenario 2  "nginx proxy"                           nginx    /orders                newkey
define_scenario 3  "plain gateway route"                   A        /plain/orders          newkey bench-plain
define_scenario 3b "RequestRateLimiter (RedisRateLimiter)" A        /builtin-limited/orders newkey bench-builtin-limited
define_scenario 4  "idempotent, new key (Redis)"           A        /idem/orders           newkey bench-idem
define_scenario 4m "idempotent, new key, maxInFlightPerClient (Redis)" A /idem-inflight/orders newkey bench-idem-inflight
define_scenario 5  "idempotent, replay (Redis)"            A        /idem-replay/orders    pool   bench-idem-replay
define_scenario 6  "idempotent + RateLimit (Redis)"        A        /idem-limited/orders   newkey bench-idem-limited
define_scenario 7a "idempotent, new key (memory)"          B        /idem/memory/orders    newkey bench-idem
define_scenario 7b "idempotent, replay (memory)"           B        /idem-replay/memory/orders pool bench-idem-replay

# --ab OLD_JAR: the old jar as gateway O (Redis store), each of its scenarios measured right after
# the new jar's, in every round; a path of its own, so the upstream counts its orders apart.
AB_SCENARIOS=(3 4 4m 5 6)
define_ab_scenarios() {
  local id ids=()
  for id in "${SCENARIO_IDS[@]}"; do
    ids+=("$id")
    if [[ " ${AB_SCENARIOS[*]} " == *" $id "* ]]; then
      define_scenario "${id}o" "${S_LABEL[$id]}, old jar" O "${S_PATH[$id]%/orders}/old/orders" "${S_MODE[$id]}" "${S_ROUTE[$id]}"
      ids+=("${id}o")
    fi
  done
  SCENARIO_IDS=("${ids[@]}")
}

declare -A S_AVAILABLE S_REASON

post_status() {
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'X-Client-Id: bench-client' \
    -H "Idempotency-Key: $RUN_ID-probe-$RANDOM$RANDOM" -d '{"probe":true}' "$1"
}

# Which scenarios can run here, and why not.
probe_scenarios() {
  local id dropped code
  for id in "${SCENARIO_IDS[@]}"; do
    S_AVAILABLE[$id]=true
    S_REASON[$id]=""
    case ${S_TARGET[$id]} in
      nginx) [[ -n $NGINX_PID ]] || { S_AVAILABLE[$id]=false; S_REASON[$id]="nginx is not installed, did not start, or is not run in this mode"; } ;;
      bare) [[ -n ${BARE_PID:-} ]] || { S_AVAILABLE[$id]=false; S_REASON[$id]="not run in this mode"; } ;;
      A | B | O)
        dropped=" $(eval echo "\${GW_${S_TARGET[$id]}_DROPPED:-}") "
        if [[ -z $(scenario_pids "$id") ]]; then
          S_AVAILABLE[$id]=false
          S_REASON[$id]="not run in this mode"
        elif [[ $dropped == *" ${S_ROUTE[$id]} "* ]]; then
          S_AVAILABLE[$id]=false
          S_REASON[$id]=${DROP_REASON[${S_ROUTE[$id]}]:-"not available: the gateway does not start with route ${S_ROUTE[$id]} (its filter is missing or its arguments are wrong; see the gateway-*-failed-*.log files of the run)"}
        else
          code=$(post_status "$(scenario_url "$id")")
          if [[ $code != 2* ]]; then
            S_AVAILABLE[$id]=false
            S_REASON[$id]="not available: a probe request got HTTP $code"
          fi
        fi
        ;;
    esac
    record "kind=scenario id=$id available=${S_AVAILABLE[$id]} target=${S_TARGET[$id]} label=\"${S_LABEL[$id]}\" reason=\"${S_REASON[$id]}\""
    [[ ${S_AVAILABLE[$id]} == true ]] || log "scenario $id skipped: ${S_REASON[$id]}"
  done
}

# The same key twice: the second answer must be a replay (else every figure would be meaningless).
check_replay() {
  local gw=$1 port key headers1 headers2 ok=true
  port=$(eval echo "\$GW_${gw}_PORT")
  key="$RUN_ID-check-$gw"
  local req=(-s -D - -o /dev/null -X POST -H 'Content-Type: application/json' -H 'X-Client-Id: bench-client'
    -H "Idempotency-Key: $key" -d '{"check":1}' "http://127.0.0.1:$port/idem/orders")
  headers1=$(curl "${req[@]}" | tr -d '\r')
  headers2=$(curl "${req[@]}" | tr -d '\r')
  grep -q '^HTTP/1.1 201' <<<"$headers1" || ok=false
  grep -qi '^idempotent-replayed: true' <<<"$headers1" && ok=false
  grep -q '^HTTP/1.1 201' <<<"$headers2" || ok=false
  grep -qi '^idempotent-replayed: true' <<<"$headers2" || ok=false
  record "kind=check name=replay-$gw ok=$ok detail=\"$(head -1 <<<"$headers1") then $(head -1 <<<"$headers2") $(grep -i '^idempotent-replayed' <<<"$headers2")\""
  [[ $ok == true ]] || log "gateway $gw does not replay a repeated key: first $(head -1 <<<"$headers1"), then $(head -1 <<<"$headers2")"
}

# pool_requests URL: a curl config that POSTs every pool key once, in order, on one connection,
# with the body wrk sends (bench/wrk/order.json; a different body would be a fingerprint mismatch).
pool_requests() {
  awk -v url="$1" -v base="$POOL_ID" -v n="$POOL" -v body="$BENCH_DIR/wrk/order.json" 'BEGIN {
    for (i = 0; i < n; i++) {
      printf "url = \"%s\"\nrequest = \"POST\"\nheader = \"Content-Type: application/json\"\n", url
      printf "header = \"X-Client-Id: bench-client\"\nheader = \"Idempotency-Key: %s-p%d\"\n", base, i
      printf "data-binary = \"@%s\"\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code}\\n\"\n", body
      if (i < n - 1) print "next"
    }
  }'
}

# Stores the replay pool on one gateway: curl sends each key once, sequentially, every request
# answered before the next (wrk would cut the last one off mid-flight, leaving a record in flight).
# A second pass must be all replays: the upstream has then served exactly POOL orders.
prepopulate() {
  local id=$1 path=${S_PATH[$1]} before created replays first second
  pool_requests "$(scenario_url "$id")" >"$WORK/pool-$id.curl"
  before=$(upstream_orders "$path")
  first=$(curl -s --config "$WORK/pool-$id.curl" | sort | uniq -c | awk '{ printf "%s%s:%s", sep, $2, $1; sep = "," }')
  created=$(($(upstream_orders "$path") - before))
  second=$(curl -s --config "$WORK/pool-$id.curl" | sort | uniq -c | awk '{ printf "%s%s:%s", sep, $2, $1; sep = "," }')
  replays=$(($(upstream_orders "$path") - before - created))
  record "kind=prepopulate scenario=$id keys=$POOL upstream_orders=$created first_pass=$first second_pass=$second second_pass_orders=$replays"
  log "stored $POOL keys for scenario $id: statuses $first, then $second; the upstream served $created + $replays orders"
}

start_servers() {
  start_redis
  start_upstream
  [[ $MODE == rss ]] || start_nginx
  [[ $MODE == rss ]] || start_baseline
  start_gateways
}
