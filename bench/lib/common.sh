# Logging, free ports and the processes bench/run starts (and always stops). Sourced by bench/run.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# Every process bench/run starts is recorded here and stopped on exit, by pid.
STARTED_PIDS=()

# start_bg VAR LOGFILE COMMAND...: runs COMMAND in the background, its pid into VAR.
start_bg() {
  local _bg_var=$1 _bg_log=$2
  shift 2
  "$@" >"$_bg_log" 2>&1 &
  local _bg_pid=$!
  STARTED_PIDS+=("$_bg_pid")
  printf -v "$_bg_var" '%s' "$_bg_pid"
}

stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_all() {
  local i
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    stop_pid "${STARTED_PIDS[i]}"
  done
  STARTED_PIDS=()
}

USED_PORTS=" "
# free_port VAR: a port nothing listens on (never 6379, never one handed out before).
# Ports come from below the kernel's ephemeral range, which outgoing connections (wrk's, the
# gateway's) draw from: a port free now could otherwise be taken by one of them a moment later.
free_port() {
  local _fp_port _fp_try _fp_low
  _fp_low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  ((_fp_low > 12000)) || _fp_low=32768
  for _fp_try in $(seq 500); do
    _fp_port=$((10000 + RANDOM % (_fp_low - 10000)))
    [[ $USED_PORTS == *" $_fp_port "* ]] && continue
    if ! ss -Htan "sport = :$_fp_port" 2>/dev/null | grep -q . && ! (exec 3<>"/dev/tcp/127.0.0.1/$_fp_port") 2>/dev/null; then
      USED_PORTS+="$_fp_port "
      printf -v "$1" '%s' "$_fp_port"
      return 0
    fi
  done
  die "no free port found"
}

# wait_for DESCRIPTION SECONDS PID COMMAND...: until COMMAND succeeds, or PID dies, or time is up.
wait_for() {
  local what=$1 seconds=$2 pid=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || return 1
    ((SECONDS < deadline)) || { log "$what not ready after ${seconds}s"; return 1; }
    sleep 0.2
  done
}

# One line of the run record: kind=... key=value ...; values with spaces are quoted.
record() { printf '%s\n' "$*" >>"$RUNS_FILE"; }

load_average() { cut -d' ' -f1-3 /proc/loadavg; }
