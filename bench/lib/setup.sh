# Tools and builds. Sourced by bench/run.

APT_UPDATED=false
apt_install() {
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
  if [[ $APT_UPDATED == false ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
    APT_UPDATED=true
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_tools() {
  command -v java >/dev/null || die "java is missing (JDK 17 expected)"
  command -v curl >/dev/null || apt_install curl || die "curl is missing"
  command -v ss >/dev/null || apt_install iproute2 || die "ss (iproute2) is missing"
  command -v wrk >/dev/null || apt_install wrk || die "wrk is missing and could not be installed"
  command -v redis-server >/dev/null || apt_install redis-server || die "redis-server is missing"
  if ! command -v nginx >/dev/null; then
    apt_install nginx-light || log "nginx could not be installed: scenario 2 will be skipped"
  fi
  NGINX_BIN=$(command -v nginx || true)
  # Debian's nginx package may start a system nginx on port 80; bench/run runs its own on a free port.
}

# needs_build ARTIFACT PATHS...: true when ARTIFACT is missing or older than any file in PATHS.
needs_build() {
  local artifact=$1
  shift
  [[ -f $artifact ]] || return 0
  [[ -n $(find "$@" -type f -newer "$artifact" -print -quit 2>/dev/null) ]]
}

build_all() {
  local mvn=("$ROOT/mvnw" -q -B)
  if [[ $BUILD == never ]]; then
    [[ -f $GATEWAY_JAR ]] || die "$GATEWAY_JAR is missing (run without --no-build)"
  elif [[ $BUILD == always ]] || needs_build "$GATEWAY_JAR" "$ROOT/pom.xml" "$ROOT/core/pom.xml" "$ROOT/core/src/main" \
      "$ROOT/gateway/pom.xml" "$ROOT/gateway/src/main" \
      || needs_build "$JMH_JAR" "$ROOT/bench/jmh/pom.xml" "$ROOT/bench/jmh/src" "$ROOT/core/src/main"; then
    log "building the gateway and the JMH benchmarks (./mvnw -q -DskipTests package: the gateway's tests need core's test-jar to resolve)"
    (cd "$ROOT" && "${mvn[@]}" -DskipTests package) || die "the build failed"
  fi
  [[ -f $GATEWAY_JAR ]] || die "the build made no $GATEWAY_JAR"
  if [[ $BUILD == always ]] || needs_build "$UPSTREAM_DIR/target/classes/dev/idempotency/bench/upstream/Upstream.class" \
      "$UPSTREAM_DIR/pom.xml" "$UPSTREAM_DIR/src" || [[ ! -f $UPSTREAM_DIR/target/classpath.txt ]]; then
    log "building the upstream (./mvnw -q -f bench/upstream/pom.xml package)"
    (cd "$ROOT" && "${mvn[@]}" -f bench/upstream/pom.xml package) || die "the upstream build failed"
  fi
  if [[ $BUILD == always ]] || needs_build "$BASELINE_DIR/target/classes/dev/idempotency/bench/baseline/BaselineGateway.class" \
      "$BASELINE_DIR/pom.xml" "$BASELINE_DIR/src" || [[ ! -f $BASELINE_DIR/target/classpath.txt ]]; then
    log "building the bare Spring Cloud Gateway baseline (./mvnw -q -f bench/baseline/pom.xml package)"
    (cd "$ROOT" && "${mvn[@]}" -f bench/baseline/pom.xml package) || die "the baseline build failed"
  fi
}
