# Redis, the upstream, nginx and the gateways, each on a free port, each stopped by stop_all.
# Sourced by bench/run.

start_redis() {
  free_port REDIS_PORT
  start_bg REDIS_PID "$WORK/redis.out" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
    --save '' --appendonly no --logfile "$WORK/redis.log"
  wait_for "redis" 10 "$REDIS_PID" sh -c "redis-cli -p $REDIS_PORT ping | grep -q PONG" \
    || die "redis-server did not start (see $WORK/redis.log)"
  log "redis-server on port $REDIS_PORT (pid $REDIS_PID)"
}

start_upstream() {
  free_port UPSTREAM_PORT
  # shellcheck disable=SC2086
  start_bg UPSTREAM_PID "$WORK/upstream.log" java $UPSTREAM_JAVA_OPTS \
    -cp "$UPSTREAM_DIR/target/classes:$(cat "$UPSTREAM_DIR/target/classpath.txt")" \
    dev.idempotency.bench.upstream.Upstream "$UPSTREAM_PORT"
  wait_for "upstream" 30 "$UPSTREAM_PID" curl -sf "http://127.0.0.1:$UPSTREAM_PORT/__bench/stats" \
    || die "the upstream did not start (see $WORK/upstream.log)"
  log "upstream on port $UPSTREAM_PORT (pid $UPSTREAM_PID)"
}

# upstream_orders [PATH]: orders the upstream served on that path (all paths without one).
upstream_orders() {
  curl -sf "http://127.0.0.1:$UPSTREAM_PORT/__bench/stats" | tr ',{}' '\n\n\n' |
    awk -F'":' -v path="\"${1:-}" 'path == "\"" || $1 == path { total += $2 } END { print total + 0 }'
}

# The bare Spring Cloud Gateway of scenario 0: the starter and one route (bench/baseline), with
# BARE_JAVA_OPTS (bench/run: the gateways' JVM options unless set apart).
start_baseline() {
  free_port BARE_PORT
  # shellcheck disable=SC2206
  local jvm=($BARE_JAVA_OPTS)
  start_bg BARE_PID "$WORK/baseline.log" java "${jvm[@]}" \
    -cp "$BASELINE_DIR/target/classes:$(cat "$BASELINE_DIR/target/classpath.txt")" \
    dev.idempotency.bench.baseline.BaselineGateway --server.port="$BARE_PORT" --bench.upstream-url="http://127.0.0.1:$UPSTREAM_PORT"
  wait_for "baseline" 180 "$BARE_PID" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{}' \
      http://127.0.0.1:$BARE_PORT/bare/orders)\" = 201 ]" || die "the bare gateway did not start (see $WORK/baseline.log)"
  log "bare Spring Cloud Gateway on port $BARE_PORT (pid $BARE_PID)"
}

start_nginx() {
  NGINX_PID=""
  [[ -n $NGINX_BIN ]] || return 0
  free_port NGINX_PORT
  mkdir -p "$WORK/nginx"
  sed -e "s|@WORK@|$WORK/nginx|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" \
    "$BENCH_DIR/nginx/nginx.conf.template" >"$WORK/nginx/nginx.conf"
  start_bg NGINX_PID "$WORK/nginx/nginx.out" "$NGINX_BIN" -p "$WORK/nginx" -e "$WORK/nginx/error.log" \
    -c "$WORK/nginx/nginx.conf"
  if ! wait_for "nginx" 10 "$NGINX_PID" curl -sf -X POST -d '{}' "http://127.0.0.1:$NGINX_PORT/orders"; then
    log "nginx did not start (see $WORK/nginx/error.log): scenario 2 will be skipped"
    stop_pid "$NGINX_PID"
    NGINX_PID=""
    return 0
  fi
  log "nginx on port $NGINX_PORT (pid $NGINX_PID)"
}

# The nginx master and its workers.
nginx_pids() { [[ -n $NGINX_PID ]] && echo "$NGINX_PID" $(pgrep -P "$NGINX_PID"); }

# routes_without FILE ROUTE-ID...: a copy of bench/routes.yml without those route blocks.
routes_without() {
  local out=$1
  shift
  awk -v drop=" $* " '
    /^            - id: / { id = $3; skipping = index(drop, " " id " ") > 0 }
    /^            # / { comment = comment $0 "\n"; next }
    { if (!skipping) { printf "%s", comment; print } comment = "" }
  ' "$BENCH_DIR/routes.yml" >"$out"
}

gateway_answers() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' \
    "http://127.0.0.1:$1/plain/orders") == 201 ]]
}

# spawn_gateway NAME STORE DROPPED-ROUTES...: starts a JVM with bench/routes.yml less those routes.
# Gateway O (--ab) runs the old jar, on Redis database 1 so that it never replays what A stored.
spawn_gateway() {
  local name=$1 store=$2 port pid routes="$WORK/routes-$1.yml" jar=$RUN_JAR extra=()
  [[ $name == O ]] && { jar=$RUN_JAR_OLD; extra=(--spring.data.redis.database=1); }
  shift 2
  routes_without "$routes" "$@"
  free_port port
  local args=(--server.port="$port" --spring.config.additional-location="file:$routes"
    --idempotency.store="$store" --spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$REDIS_PORT"
    --bench.upstream-url="http://127.0.0.1:$UPSTREAM_PORT" "${extra[@]+"${extra[@]}"}")
  # shellcheck disable=SC2206
  local jvm=($GATEWAY_JAVA_OPTS)
  # shellcheck disable=SC2206
  [[ $name == O ]] && jvm=($OLD_GATEWAY_JAVA_OPTS)
  if [[ -n $GATEWAY_MEMORY_LIMIT ]]; then
    # Inside a memory cgroup of the pod's limit: the shell joins it, then becomes the JVM (same pid).
    local cgroup
    memory_cgroup cgroup "gateway-$name" "$GATEWAY_MEMORY_LIMIT"
    printf -v "GW_${name}_CGROUP" '%s' "$cgroup"
    start_bg pid "$WORK/gateway-$name.log" sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cgroup" \
      java "${jvm[@]}" -jar "$jar" "${args[@]}"
  else
    start_bg pid "$WORK/gateway-$name.log" java "${jvm[@]}" -jar "$jar" "${args[@]}"
  fi
  printf -v "GW_${name}_PORT" '%s' "$port"
  printf -v "GW_${name}_PID" '%s' "$pid"
  printf -v "GW_${name}_STORE" '%s' "$store"
  printf -v "GW_${name}_DROPPED" '%s' "$*"
}

# await_gateway NAME: until its plain route answers 201; stops it when it never does.
await_gateway() {
  local name=$1 port pid store
  port=$(eval echo "\$GW_${name}_PORT")
  pid=$(eval echo "\$GW_${name}_PID")
  store=$(eval echo "\$GW_${name}_STORE")
  if wait_for "gateway $name" 180 "$pid" gateway_answers "$port"; then
    log "gateway $name ($store store) on port $port (pid $pid)"
    return 0
  fi
  log "gateway $name did not answer on its plain route; from its log (kept as gateway-$name-failed-$((GATEWAY_FAILURES + 1)).log):"
  grep -E 'ERROR|Exception|Caused by|APPLICATION FAILED|Description|Reason' "$WORK/gateway-$name.log" | head -8 >&2 || true
  mv "$WORK/gateway-$name.log" "$WORK/gateway-$name-failed-$((++GATEWAY_FAILURES)).log"
  stop_pid "$pid"
  return 1
}

# When a route's filter is not in this build (or takes other arguments), the gateway does not
# start with it: start it again without that route; its scenario is then reported as not available.
FALLBACK_DROPS=("bench-idem-limited" "bench-idem-limited bench-builtin-limited")
declare -A DROP_REASON
GATEWAY_FAILURES=0

jar_has_class() { jar tf "${2:-$RUN_JAR}" 2>/dev/null | grep -q "/$1.class\$"; }

start_gateways() {
  local name store drops initial=() names=(A)
  # the lead may rebuild the jar meanwhile: run a copy of it
  RUN_JAR="$WORK/gateway.jar"
  cp "$GATEWAY_JAR" "$RUN_JAR"
  if ! jar_has_class RateLimitGatewayFilterFactory; then
    initial=(bench-idem-limited)
    DROP_REASON[bench-idem-limited]="not available: this gateway build has no RateLimit filter (RateLimitGatewayFilterFactory)"
  fi
  spawn_gateway A redis "${initial[@]+"${initial[@]}"}"
  [[ $MODE == rss ]] || { spawn_gateway B memory "${initial[@]+"${initial[@]}"}"; names+=(B); }
  if [[ -n $AB_JAR ]]; then
    RUN_JAR_OLD="$WORK/gateway-old.jar"
    cp "$AB_JAR" "$RUN_JAR_OLD"
    initial=()
    jar_has_class RateLimitGatewayFilterFactory "$RUN_JAR_OLD" || initial=(bench-idem-limited)
    spawn_gateway O redis "${initial[@]+"${initial[@]}"}"
    names+=(O)
  fi
  for name in "${names[@]}"; do
    await_gateway "$name" && continue
    store=$(eval echo "\$GW_${name}_STORE")
    for drops in "${FALLBACK_DROPS[@]}"; do
      log "gateway $name: starting it again without the route(s) $drops"
      # shellcheck disable=SC2086
      spawn_gateway "$name" "$store" $drops
      await_gateway "$name" && continue 2
    done
    die "gateway $name did not start even with the plain routes only (see $WORK/gateway-$name*.log)"
  done
}
