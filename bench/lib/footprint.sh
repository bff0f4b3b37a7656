# bench/run --footprint: startup to ready and idle/loaded RSS of the gateway against the bare
# Spring Cloud Gateway (bench/baseline), each JVM started afresh FOOTPRINT_REPS times, variants
# interleaved (A B C A B C ...), medians reported. Sourced by bench/run.
#
# Variants (FOOTPRINT_VARIANTS, space-separated; default all that this machine can run):
#   bare        bench/baseline on the default java
#   gateway     the gateway's executable jar on the default java
#   gateway-extracted  the gateway extracted (as the container image lays it out: no nested jars), no CDS
#   gateway-cds the gateway extracted (java -Djarmode=tools -jar ... extract) and started with a
#               CDS archive made by a training run (-XX:ArchiveClassesAtExit, -Dspring.context.exit=onRefresh),
#               Spring Boot's documented workflow
#   gateway-aot-25  Java 25 only: the extracted gateway with an AOT cache (JEP 483/514: -XX:AOTCacheOutput
#               in the same training run, then -XX:AOTCache), which also keeps loaded and linked classes
#   bare-25, gateway-25, gateway-extracted-25, gateway-cds-25   the same on Java 25 (FOOTPRINT_JAVA25, default the first
#               /usr/lib/jvm/*25*/bin/java), when it is installed
#
# Per start: ready = wall time from launching the JVM to the first 201 from the plain route
# (curl every 50 ms); idle RSS = VmRSS 10 s after ready; loaded = VmHWM (peak RSS) after
# FOOTPRINT_REQUESTS requests (default 20000; at most FOOTPRINT_LOAD s, default 120) of wrk -t1 -c32
# on the plain route and, for the gateway, as many first requests (a new key each, Redis store).
# JVM options: GATEWAY_JAVA_OPTS.
#
# FOOTPRINT_NMT=1: where the idle RSS goes. Every JVM runs with -XX:NativeMemoryTracking=summary; at
# the idle point each records its committed memory per NMT category and then its live heap (the
# class histogram, which collects the heap in full first), and the report tables both against bare.
# NMT's own bookkeeping adds a few MB to every RSS (its own row), so compare those runs with each other.

FOOTPRINT_REPS=${FOOTPRINT_REPS:-3}
FOOTPRINT_LOAD=${FOOTPRINT_LOAD:-120}
FOOTPRINT_REQUESTS=${FOOTPRINT_REQUESTS:-20000}
FOOTPRINT_IDLE=${FOOTPRINT_IDLE:-10}

footprint_java25() {
  local java
  java=${FOOTPRINT_JAVA25:-$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1)}
  [[ -n $java && -x $java ]] && echo "$java"
}

footprint_variants() {
  if [[ -n ${FOOTPRINT_VARIANTS:-} ]]; then
    echo "$FOOTPRINT_VARIANTS"
  elif [[ -n $(footprint_java25) ]]; then
    echo "bare gateway gateway-extracted gateway-cds bare-25 gateway-25 gateway-cds-25 gateway-aot-25"
  else
    echo "bare gateway gateway-extracted gateway-cds"
  fi
}

# The gateway's routes for the footprint run: the plain route and the first-request route only.
footprint_routes() {
  routes_without "$WORK/routes-footprint.yml" bench-builtin-limited bench-idem-limited bench-idem-inflight
  echo "$WORK/routes-footprint.yml"
}

# footprint_command VARIANT: the command line that starts it (on FP_PORT).
footprint_command() {
  local variant=$1 java=java jvm
  [[ $variant == *-25 ]] && java=$(footprint_java25)
  # shellcheck disable=SC2206
  jvm=($GATEWAY_JAVA_OPTS)
  [[ ${FOOTPRINT_NMT:-0} == 1 ]] && jvm+=(-XX:NativeMemoryTracking=summary)
  local gateway_args=(--server.port="$FP_PORT" --spring.config.additional-location="file:$FP_ROUTES"
    --idempotency.store=redis --spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$REDIS_PORT"
    --bench.upstream-url="http://127.0.0.1:$UPSTREAM_PORT")
  case ${variant%-25} in
    bare)
      FP_CMD=("$java" "${jvm[@]}" -cp "$BASELINE_DIR/target/classes:$(cat "$BASELINE_DIR/target/classpath.txt")"
        dev.idempotency.bench.baseline.BaselineGateway --server.port="$FP_PORT" --bench.upstream-url="http://127.0.0.1:$UPSTREAM_PORT")
      FP_URL="http://127.0.0.1:$FP_PORT/bare/orders" ;;
    gateway)
      FP_CMD=("$java" "${jvm[@]}" -jar "$RUN_JAR" "${gateway_args[@]}")
      FP_URL="http://127.0.0.1:$FP_PORT/plain/orders" ;;
    gateway-extracted)
      local dir
      dir=$(footprint_cds_dir "$java" "gateway-cds${variant#gateway-extracted}")
      FP_CMD=("$java" "${jvm[@]}" -jar "$dir/$(basename "$RUN_JAR")" "${gateway_args[@]}")
      FP_URL="http://127.0.0.1:$FP_PORT/plain/orders" ;;
    gateway-aot)
      local dir
      dir=$(footprint_cds_dir "$java" "$variant")
      FP_CMD=("$java" "${jvm[@]}" -XX:AOTCache="$dir/application.aot" -Xlog:aot=off -Xlog:cds=off
        -jar "$dir/$(basename "$RUN_JAR")" "${gateway_args[@]}")
      FP_URL="http://127.0.0.1:$FP_PORT/plain/orders" ;;
    gateway-cds)
      local dir
      dir=$(footprint_cds_dir "$java" "$variant")
      FP_CMD=("$java" "${jvm[@]}" -XX:SharedArchiveFile="$dir/application.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off
        -jar "$dir/$(basename "$RUN_JAR")" "${gateway_args[@]}")
      FP_URL="http://127.0.0.1:$FP_PORT/plain/orders" ;;
  esac
}

# footprint_cds_dir JAVA VARIANT: the gateway extracted for that java, with its CDS archive (made once per run).
footprint_cds_dir() {
  local java=$1 dir="$WORK/cds-$2" archive=application.jsa training=(-XX:ArchiveClassesAtExit="$WORK/cds-$2/application.jsa")
  if [[ $2 == gateway-aot* ]]; then
    archive=application.aot training=(-XX:AOTCacheOutput="$dir/application.aot")
  fi
  if [[ ! -f $dir/$archive ]]; then
    rm -rf "$dir"
    "$java" -Djarmode=tools -jar "$RUN_JAR" extract --destination "$dir" >"$WORK/cds-$2-extract.log" 2>&1 \
      || die "extracting the gateway jar failed (see $WORK/cds-$2-extract.log)"
    # The training run: starts the application context, refreshes it, exits; the archive holds the classes it loaded.
    free_port FP_TRAIN_PORT
    # shellcheck disable=SC2086
    "$java" $GATEWAY_JAVA_OPTS "${training[@]}" -Dspring.context.exit=onRefresh \
      -jar "$dir/$(basename "$RUN_JAR")" --server.port="$FP_TRAIN_PORT" --spring.config.additional-location="file:$FP_ROUTES" \
      --idempotency.store=redis --spring.data.redis.host=127.0.0.1 --spring.data.redis.port="$REDIS_PORT" \
      --bench.upstream-url="http://127.0.0.1:$UPSTREAM_PORT" >"$WORK/cds-$2-training.log" 2>&1 || true
    [[ -f $dir/$archive ]] || die "the training run made no $archive (see $WORK/cds-$2-training.log)"
    log "$archive for $2: $(du -m "$dir/$archive" | cut -f1) MB"
  fi
  echo "$dir"
}

# footprint_load NAME URL KEY-PREFIX: wrk -t1 -c32 in 5 s slices until FOOTPRINT_REQUESTS answers
# (a fixed amount of work, so a busy machine does not shrink it) or FOOTPRINT_LOAD seconds have passed.
footprint_load() {
  local name=$1 url=$2 prefix=$3 done=0 slice=0 started=$SECONDS n
  while ((done < FOOTPRINT_REQUESTS && SECONDS - started < FOOTPRINT_LOAD)); do
    wrk -t1 -c32 -d5s --timeout 10s -s "$BENCH_DIR/wrk/load.lua" "$url" -- newkey "$prefix-$((slice++))" \
      >>"$WORK/footprint-$name-wrk.txt" 2>&1 || true
    n=$(grep '^BENCH ' "$WORK/footprint-$name-wrk.txt" | tail -1 | sed 's/.*requests=\([0-9]*\).*/\1/')
    done=$((done + ${n:-0}))
  done
  FP_DONE="${FP_DONE:+$FP_DONE+}$done"
}

# footprint_nmt PID: record fields nmt_<category>_kb=<committed KB> from Native Memory Tracking's
# summary (nmt_total_kb for its total), then live_heap_kb: the bytes of the objects a full collection
# leaves (GC.class_histogram collects first). Nothing when NMT is off or jcmd cannot attach.
footprint_nmt() {
  jcmd "$1" VM.native_memory summary 2>/dev/null | awk '
    /^Total: / && match($0, /committed=[0-9]+KB/) { printf " nmt_total_kb=%d", substr($0, RSTART + 10, RLENGTH - 12) }
    /^-/ && match($0, /committed=[0-9]+KB/) {
      kb = substr($0, RSTART + 10, RLENGTH - 12); name = $0; sub(/^- */, "", name); sub(/ *\(.*/, "", name)
      gsub(/ /, "_", name); printf " nmt_%s_kb=%d", tolower(name), kb }'
  jcmd "$1" GC.class_histogram 2>/dev/null | awk '$1 == "Total" { printf " live_heap_kb=%d", $3 / 1024 }'
}

footprint_ready() { [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$FP_URL") == 201 ]]; }

status_kb() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

# footprint_once VARIANT REP: one start, measured, stopped; one kind=footprint record.
footprint_once() {
  local variant=$1 rep=$2 pid t0 t1 started idle loaded_plain loaded cpu_ticks
  FP_DONE=""
  free_port FP_PORT
  footprint_command "$variant"
  t0=$(date +%s%N)
  start_bg pid "$WORK/footprint-$variant-$rep.log" "${FP_CMD[@]}"
  until footprint_ready; do
    kill -0 "$pid" 2>/dev/null || die "$variant did not start (see $WORK/footprint-$variant-$rep.log)"
    (($(date +%s%N) - t0 < 300000000000)) || die "$variant not ready after 300 s"
    sleep 0.05
  done
  t1=$(date +%s%N)
  cpu_ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  started=$(grep -o 'Started [A-Za-z]* in [0-9.]* seconds' "$WORK/footprint-$variant-$rep.log" | awk '{ print $4 }' | head -1)
  sleep "$FOOTPRINT_IDLE"
  idle=$(status_kb "$pid" VmRSS)
  local nmt=""
  [[ ${FOOTPRINT_NMT:-0} == 1 ]] && nmt=$(footprint_nmt "$pid")
  echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
  footprint_load "$variant-$rep" "$FP_URL" "$RUN_ID-fp$rep"
  loaded_plain=$(status_kb "$pid" VmHWM)
  if [[ $variant == gateway* ]]; then
    footprint_load "$variant-$rep" "${FP_URL%/plain/orders}/idem/orders" "$RUN_ID-fpi$rep"
  fi
  loaded=$(status_kb "$pid" VmHWM)
  record "kind=footprint variant=$variant rep=$rep requests=$FP_DONE ready_ms=$(((t1 - t0) / 1000000)) started_s=${started:-0}" \
    "startup_cpu_ms=$((cpu_ticks * 1000 / $(getconf CLK_TCK))) idle_rss_kb=$idle loaded_plain_hwm_kb=$loaded_plain loaded_hwm_kb=$loaded$nmt" \
    "load=\"$(load_average)\""
  log "footprint $variant #$rep: ready in $(((t1 - t0) / 1000000)) ms (CPU $((cpu_ticks * 10)) ms), idle RSS $((idle / 1024)) MB, loaded peak $((loaded / 1024)) MB"
  stop_pid "$pid"
}

run_footprint() {
  local rep variant
  ensure_tools
  build_all
  record_meta
  record "kind=meta footprint_reps=$FOOTPRINT_REPS footprint_load=$FOOTPRINT_LOAD footprint_requests=$FOOTPRINT_REQUESTS footprint_idle=$FOOTPRINT_IDLE java25=\"$(footprint_java25)\""
  RUN_JAR="$WORK/$(basename "$GATEWAY_JAR")"
  cp "$GATEWAY_JAR" "$RUN_JAR"
  start_redis
  start_upstream
  FP_ROUTES=$(footprint_routes)
  for variant in $(footprint_variants); do
    [[ $variant == gateway-cds* || $variant == gateway-aot* ]] && footprint_cds_dir "$([[ $variant == *-25 ]] && footprint_java25 || echo java)" "$variant" >/dev/null
    [[ $variant == gateway-extracted* ]] && footprint_cds_dir "$([[ $variant == *-25 ]] && footprint_java25 || echo java)" \
      "gateway-cds${variant#gateway-extracted}" >/dev/null
  done
  for ((rep = 1; rep <= FOOTPRINT_REPS; rep++)); do
    for variant in $(footprint_variants); do footprint_once "$variant" "$rep"; done
  done
  record "kind=meta load_after=\"$(load_average)\""
  stop_all
  footprint_report >"$RESULTS/footprint-$STAMP.md"
  cp "$RESULTS/footprint-$STAMP.md" "$RESULTS/footprint-latest.md"
  cp "$RUNS_FILE" "$RESULTS/footprint-$STAMP.runs.txt"
  log "report: bench/results/footprint-$STAMP.md (and footprint-latest.md)"
}

# The Markdown report: medians per variant, and the gateway's against the bare gateway's on the same java.
footprint_report() {
  awk '
    function field(name,   m) { if (match($0, " " name "=[0-9.]+")) { m = substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 2); return m + 0 } return -1 }
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    /^kind=meta/ && /command=/ { match($0, /command="[^"]*"/); command = substr($0, RSTART + 9, RLENGTH - 10) }
    /^kind=meta/ && /load_before=/ { match($0, /load_before="[^"]*"/); before = substr($0, RSTART + 13, RLENGTH - 14) }
    /^kind=meta/ && /load_after=/ { match($0, /load_after="[^"]*"/); after = substr($0, RSTART + 12, RLENGTH - 13) }
    /^kind=meta/ && /java=/ && !/java25/ { match($0, /java="[^"]*"/); java = substr($0, RSTART + 6, RLENGTH - 7) }
    /^kind=meta/ && /gateway_java_opts=/ { match($0, /gateway_java_opts="[^"]*"/); opts = substr($0, RSTART + 19, RLENGTH - 20) }
    /^kind=meta/ && /footprint_reps=/ { reps = field("footprint_reps"); load = field("footprint_load"); requests = field("footprint_requests"); idle_s = field("footprint_idle"); match($0, /java25="[^"]*"/); java25 = substr($0, RSTART + 8, RLENGTH - 9) }
    /^kind=footprint/ {
      match($0, / variant=[^ ]+/); v = substr($0, RSTART + 9, RLENGTH - 9)
      if (!(v in seen)) { seen[v] = 1; order[++nv] = v }
      ready[v] = ready[v] " " field("ready_ms"); cpu[v] = cpu[v] " " field("startup_cpu_ms"); st[v] = st[v] " " field("started_s")
      idle[v] = idle[v] " " field("idle_rss_kb"); lp[v] = lp[v] " " field("loaded_plain_hwm_kb"); ld[v] = ld[v] " " field("loaded_hwm_kb")
      match($0, / requests=[0-9+]+/); q = substr($0, RSTART + 10, RLENGTH - 10)
      all[v] = all[v] sprintf("%s%.1f s / %d MB / %s req", (all[v] == "" ? "" : "; "), field("ready_ms") / 1000, field("idle_rss_kb") / 1024, q)
      # FOOTPRINT_NMT: committed KB per NMT category and the live heap, in the order first seen
      for (i = 1; i <= NF; i++) if ($i ~ /^(nmt_[a-z_]+|live_heap)_kb=/) {
        split($i, kv, "="); cat = kv[1]
        if (!(cat in seencat)) { seencat[cat] = 1; cats[++ncat] = cat }
        mem[v, cat] = mem[v, cat] " " kv[2]
      }
    }
    END {
      printf "# Gateway footprint: startup and RSS against bare Spring Cloud Gateway\n\n"
      printf "Command: `%s`. Load average before: %s; after: %s. JVM options: `%s`; default java: %s; Java 25: %s.\n\n", command, before, after, opts, java, (java25 == "" ? "not installed" : java25)
      printf "Each variant started afresh %d times, variants interleaved; medians. **ready**: wall time from launching the JVM to the first `201` from its plain route; **startup CPU**: the JVM'"'"'s user+system CPU time until then (less sensitive to other load than wall time); **Started in**: Spring Boot'"'"'s own figure; **idle RSS**: VmRSS %d s after ready; **loaded peak**: VmHWM after %d requests (at most %d s) of `wrk -t1 -c32` on the plain route, and (gateway) as many first requests with a new key each (Redis store); **requests** says how many were done.\n\n", reps, idle_s, requests, load
      printf "| variant | ready s | × bare | startup CPU s | × bare | Started in s | idle RSS MB | Δ bare MB | loaded peak, plain MB | loaded peak MB | each start (ready / idle RSS / requests) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
      for (i = 1; i <= nv; i++) {
        v = order[i]; base = (v ~ /-25$/) ? "bare-25" : "bare"
        r = median(ready[v]); rb = (base in ready) ? median(ready[base]) : 0
        m = median(idle[v]); mb = (base in idle) ? median(idle[base]) : 0
        c = median(cpu[v]); cb = (base in cpu) ? median(cpu[base]) : 0
        printf "| %s | %.2f | %s | %.2f | %s | %.2f | %.0f | %s | %.0f | %.0f | %s |\n", v, r / 1000, (rb > 0 ? sprintf("%.2f", r / rb) : "–"), c / 1000, (cb > 0 ? sprintf("%.2f", c / cb) : "–"), median(st[v]), m / 1024, (mb > 0 ? sprintf("%+.0f", (m - mb) / 1024) : "–"), median(lp[v]) / 1024, median(ld[v]) / 1024, all[v]
      }
      if (ncat > 0) {
        printf "\n## Where the idle RSS goes (FOOTPRINT_NMT=1)\n\n"
        printf "Committed memory per Native Memory Tracking category at the idle point, MB, medians of the starts; **live heap** is what a full collection leaves of the heap (taken after the RSS, by the class histogram). Δ is against bare on the same java. NMT tracks the JVM'"'"'s own memory, not all of the RSS (mapped files, glibc'"'"'s unused heap), and adds its own bookkeeping (its row).\n\n"
        printf "| category |"; for (i = 1; i <= nv; i++) printf " %s |", order[i]
        for (i = 1; i <= nv; i++) if (order[i] !~ /^bare/) printf " Δ %s |", order[i]
        printf "\n|---|"; for (i = 1; i <= nv; i++) printf "---:|"
        for (i = 1; i <= nv; i++) if (order[i] !~ /^bare/) printf "---:|"
        printf "\n"
        for (j = 1; j <= ncat; j++) {
          cat = cats[j]; label = cat; sub(/^nmt_/, "", label); sub(/_kb$/, "", label); gsub(/_/, " ", label)
          printf "| %s |", label
          for (i = 1; i <= nv; i++) printf " %s |", ((order[i], cat) in mem ? sprintf("%.1f", median(mem[order[i], cat]) / 1024) : "–")
          for (i = 1; i <= nv; i++) if (order[i] !~ /^bare/) {
            base = (order[i] ~ /-25$/) ? "bare-25" : "bare"
            printf " %s |", (((order[i], cat) in mem) && ((base, cat) in mem) ? sprintf("%+.1f", (median(mem[order[i], cat]) - median(mem[base, cat])) / 1024) : "–")
          }
          printf "\n"
        }
      }
    }' "$RUNS_FILE"
}
