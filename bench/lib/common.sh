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
  for i in "${MEMORY_CGROUPS[@]+"${MEMORY_CGROUPS[@]}"}"; do
    rmdir "$i" 2>/dev/null || true
  done
  MEMORY_CGROUPS=()
}

# Memory cgroups made for GATEWAY_MEMORY_LIMIT, removed by stop_all.
MEMORY_CGROUPS=()

# memory_cgroup VAR NAME BYTES: a new memory cgroup limited to BYTES, its directory into VAR, as a
# Kubernetes memory limit makes one around a container: the JVM inside sizes itself from the limit
# (and picks its collector by it), and the kernel kills it past the limit. cgroup v1 (what this
# project's machine has, and where it was run) or v2. A limit that cannot be set stops the run: an
# unlimited cgroup would measure the machine again.
memory_cgroup() {
  local _mc_dir _mc_limit _mc_swap _mc_swap_value
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
    _mc_dir=/sys/fs/cgroup/bench-$2-$$ _mc_limit=memory.max _mc_swap=memory.swap.max _mc_swap_value=0
    echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
  elif [[ -d /sys/fs/cgroup/memory ]]; then
    # v1 limits memory and swap together: the same figure leaves no swap.
    _mc_dir=/sys/fs/cgroup/memory/bench-$2-$$ _mc_limit=memory.limit_in_bytes _mc_swap=memory.memsw.limit_in_bytes _mc_swap_value=$3
  else
    die "GATEWAY_MEMORY_LIMIT needs a memory cgroup (v1 or v2) under /sys/fs/cgroup"
  fi
  mkdir -p "$_mc_dir" 2>/dev/null && [[ -w $_mc_dir/cgroup.procs ]] || die "cannot create the memory cgroup $_mc_dir (run as root)"
  MEMORY_CGROUPS+=("$_mc_dir")
  echo "$3" >"$_mc_dir/$_mc_limit" || die "cannot set $_mc_dir/$_mc_limit to $3"
  # No swap beyond the limit, where swap is accounted at all (as in a pod).
  echo "$_mc_swap_value" >"$_mc_dir/$_mc_swap" 2>/dev/null || true
  printf -v "$1" '%s' "$_mc_dir"
}

# oom_kills DIR: how many times the kernel killed a process of that memory cgroup for its limit.
oom_kills() {
  if [[ -f $1/memory.events ]]; then
    awk '$1 == "oom_kill" { print $2 }' "$1/memory.events"
  else
    awk '$1 == "oom_kill" { print $2 }' "$1/memory.oom_control" 2>/dev/null || echo "?"
  fi
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
