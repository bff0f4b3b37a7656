#!/usr/bin/env bash
# Verifies the gateway's container image where there is no container runtime and no registry (this
# project's machines have neither): Jib builds the image onto an empty base (scratch) into an OCI
# tarball; the script checks the image configuration, then runs the image's own layers and entrypoint
# the way the kubelet would under the Helm chart's settings -- uid 65532, read-only root filesystem
# with a writable /tmp, the chart's environment variables, the rules directory mounted where the chart
# mounts it -- with the host's JRE 17 standing in for eclipse-temurin's, in private mount and network
# namespaces. It then checks the probes, a proxied request, a replay, and a graceful stop.
#
# Needs: root (unshare/chroot), java 17, jq, curl, python3. Usage: helm/verify-image.sh [--offline]
set -euo pipefail

cd "$(dirname "$0")/.."
mvn_flags=(-B -q)
[[ "${1:-}" == "--offline" ]] && mvn_flags+=(-o)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass() { echo "  ok   $*"; }
fail() { echo "  FAIL $*" >&2; exit 1; }

echo "== build: jib onto scratch"
./mvnw "${mvn_flags[@]}" -Pimage -pl gateway -am package -DskipTests -Dimage.base=scratch \
  -Dimage=idempotency-gateway:verify
tar -xf gateway/target/jib-image.tar -C "$work" --warning=no-unknown-keyword
mkdir "$work/oci" && mv "$work/blobs" "$work/index.json" "$work/oci-layout" "$work/oci/"
blob() { echo "$work/oci/blobs/sha256/${1#sha256:}"; }
manifest=$(blob "$(jq -r '.manifests[0].digest' "$work/oci/index.json")")
config=$(blob "$(jq -r '.config.digest' "$manifest")")

echo "== image configuration"
[[ $(jq -r '.config.User' "$config") == "65532:65532" ]] && pass "user 65532:65532 (non-root)" || fail "user"
[[ $(jq -c '.config.ExposedPorts | keys' "$config") == '["8080/tcp","8081/tcp"]' ]] \
  && pass "exposes 8080/tcp 8081/tcp" || fail "ports"
[[ $(jq -c '.config.Entrypoint' "$config") == '["java","-cp","@/app/jib-classpath-file","dev.idempotency.gateway.IdempotencyGatewayApplication"]' ]] \
  && pass "entrypoint java -cp @/app/jib-classpath-file dev.idempotency.gateway.IdempotencyGatewayApplication" \
  || fail "entrypoint $(jq -c '.config.Entrypoint' "$config")"
jq -r '.config.Env[]' "$config" | grep -q '^JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75 -XX:+UseG1GC ' \
  && pass "default JAVA_TOOL_OPTIONS sizes the heap from the container's memory and names G1" || fail "env"
layers=$(jq -r '.layers | length' "$manifest")
[[ $layers -eq 5 ]] && pass "5 layers: dependencies, snapshot dependencies, resources, classes, jib files" \
  || fail "$layers layers"

for label in title description version revision base.name base.digest documentation; do
  [[ -n $(jq -r --arg l "org.opencontainers.image.$label" '.config.Labels[$l] // empty' "$config") ]] \
    || fail "no OCI label org.opencontainers.image.$label"
done
pass "OCI labels: $(jq -r '.config.Labels | to_entries | map(.key | sub("org.opencontainers.image."; "")) | join(", ")' "$config")"
echo "== root filesystem from the layers"
rootfs="$work/rootfs"
mkdir -p "$rootfs"
for digest in $(jq -r '.layers[].digest' "$manifest"); do
  tar -xzf "$(blob "$digest")" -C "$rootfs" --warning=no-unknown-keyword
done
[[ -s "$rootfs/app/jib-classpath-file" && -d "$rootfs/app/libs" && -d "$rootfs/app/classes" ]] \
  && pass "/app/libs, /app/classes, /app/resources, /app/jib-classpath-file" || fail "layout"
sbom=$(jq -r '.config.Labels["dev.idempotency.sbom"]' "$config")
[[ $(jq -r .bomFormat "$rootfs$sbom" 2>/dev/null) == CycloneDX ]] && pass "CycloneDX SBOM at $sbom" || fail "no SBOM at $sbom"
# What the base image would bring: a JRE. Here the host's, mounted read-only.
mkdir -p "$rootfs"/{usr,etc,proc,tmp,dev,etc/idempotency-gateway/rules}
for link in bin lib lib64 sbin; do ln -s "usr/$link" "$rootfs/$link"; done

mkdir -m 755 "$work/rules"
cat > "$work/rules/routes.yml" <<'EOF'
spring:
  cloud:
    gateway:
      server:
        webflux:
          routes:
            - id: orders
              uri: http://127.0.0.1:9000
              predicates:
                - Path=/**
              filters:
                - name: Idempotency
                  args:
                    required: true
                    ttl: 24h
EOF
# A stand-in upstream that counts what reaches it.
cat > "$work/upstream.py" <<'EOF'
import http.server, json
count = {"POST": 0, "GET": 0}
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, status):
        count[self.command] = count.get(self.command, 0) + 1
        body = json.dumps({"method": self.command, "count": count[self.command]}).encode()
        self.send_response(status); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        if self.path == "/__count": return self.reply(200)
        self.reply(200)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0))); self.reply(201)
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", 9000), H).serve_forever()
EOF

# The chart's environment (templates/_pod.tpl), with its default values.
chart_env=(
  SERVER_PORT=8080 MANAGEMENT_SERVER_PORT=8081 MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED=true
  MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE=health,info,prometheus SERVER_SHUTDOWN=graceful
  SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE=20s
  IDEMPOTENCY_RULES_LOCATION=/etc/idempotency-gateway/rules IDEMPOTENCY_RULES_RELOADINTERVAL=5s
  IDEMPOTENCY_SELFTEST_ENABLED=true
  IDEMPOTENCY_STORE=memory
  "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=25 -XX:MaxRAM=469762048 -XX:+UseG1GC -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError"
  MALLOC_ARENA_MAX=2
)
mapfile -t entrypoint < <(jq -r '.config.Entrypoint[]' "$config")
export work rootfs
echo "== run as the pod would"
unshare --mount --net --fork bash -euo pipefail -s -- "${entrypoint[@]}" <<EOSCRIPT
pass() { echo "  ok   \$*"; }
fail() { echo "  FAIL \$*" >&2; [[ -f "$work/gateway.log" ]] && tail -40 "$work/gateway.log" >&2; exit 1; }
ip link set lo up
mount --make-rprivate /
mount --bind "$rootfs" "$rootfs"
mount --bind -o ro /usr "$rootfs/usr" && mount -o remount,bind,ro "$rootfs/usr"
for dir in alternatives java-17-openjdk ssl; do                             # what the JRE reads from /etc
  mkdir -p "$rootfs/etc/\$dir" && mount --bind "/etc/\$dir" "$rootfs/etc/\$dir"
done
for file in hosts resolv.conf nsswitch.conf; do
  touch "$rootfs/etc/\$file" && mount --bind "/etc/\$file" "$rootfs/etc/\$file"
done
mount -t proc proc "$rootfs/proc"
mount --bind /dev "$rootfs/dev"
mount -t tmpfs -o size=128m,mode=1777 tmpfs "$rootfs/tmp"                # the /tmp emptyDir
chmod 644 "$work/rules/routes.yml"
mount --bind "$work/rules" "$rootfs/etc/idempotency-gateway/rules"           # the rules ConfigMap
mount -o remount,bind,ro "$rootfs/etc/idempotency-gateway/rules"
mount -o remount,bind,ro "$rootfs"                                           # readOnlyRootFilesystem
touch "$rootfs/app/probe" 2>/dev/null && fail "root filesystem is writable" || pass "root filesystem is read-only"

python3 "$work/upstream.py" >/dev/null 2>&1 &
upstream=\$!
gateway=
trap 'kill \$upstream \$gateway 2>/dev/null || true' EXIT
cd /
chroot --userspec=65532:65532 "$rootfs" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp \
  $(printf '%q ' "${chart_env[@]}") "\$@" > "$work/gateway.log" 2>&1 &
gateway=\$!    # chroot and env exec: this is the JVM's pid
for _ in \$(seq 1 180); do
  curl -fs localhost:8081/actuator/health/readiness >/dev/null 2>&1 && break
  kill -0 \$gateway 2>/dev/null || fail "the gateway exited"
  sleep 1
done
java_pid=\$gateway
[[ \$(ps -o uid= -p \$java_pid | tr -d ' ') == 65532 ]] && pass "runs as uid 65532" || fail "uid"
[[ \$(curl -fs localhost:8081/actuator/health/liveness) == *UP* ]] && pass "liveness probe UP on :8081" || fail "liveness"
[[ \$(curl -fs localhost:8081/actuator/health/readiness) == *UP* ]] && pass "readiness probe UP on :8081" || fail "readiness"
[[ \$(curl -fs localhost:8080/orders/1) == *'"method": "GET"'* ]] && pass "GET proxied to the upstream" || fail "GET"
key=verify-\$RANDOM
first=\$(curl -s -w ' %{http_code}' -X POST localhost:8080/orders -H "Idempotency-Key: \$key" -H 'X-Client-Id: verify' -H 'Content-Type: application/json' -d '{"sku":"A-1"}')
second=\$(curl -s -w ' %{http_code}' -X POST localhost:8080/orders -H "Idempotency-Key: \$key" -H 'X-Client-Id: verify' -H 'Content-Type: application/json' -d '{"sku":"A-1"}')
[[ "\$first" == *' 201' && "\$second" == "\$first" ]] && pass "retried POST replayed: \$second" || fail "replay: '\$first' then '\$second'"
curl -si -X POST localhost:8080/orders -H "Idempotency-Key: \$key" -H 'X-Client-Id: verify' -H 'Content-Type: application/json' \
  -d '{"sku":"A-1"}' | grep -qi '^Idempotent-Replayed: true' && pass "the replay carries Idempotent-Replayed: true" || fail "no replay header"
self1=\$(curl -s -X POST localhost:8080/idempotency-gateway/self-test -H "Idempotency-Key: self-\$key" -H 'X-Client-Id: verify' -d '{}')
self2=\$(curl -s -X POST localhost:8080/idempotency-gateway/self-test -H "Idempotency-Key: self-\$key" -H 'X-Client-Id: verify' -d '{}')
[[ "\$self1" == *'"execution"'* && "\$self2" == "\$self1" ]] && pass "self-test route (helm test) replayed: \$self2" \
  || fail "self-test: '\$self1' then '\$self2'"
posts=\$(curl -s localhost:9000/__count >/dev/null; echo "\$first" | sed -E 's/.*"count": ([0-9]+).*/\1/')
[[ "\$posts" == 1 ]] && pass "the upstream saw the POST once" || fail "upstream saw \$posts POSTs"
if curl -fs localhost:8081/actuator/prometheus >/dev/null; then pass "/actuator/prometheus answers (metrics.enabled)"
else echo "  note /actuator/prometheus: not in this build (needs io.micrometer:micrometer-registry-prometheus)"; fi
grep -q 'Picked up JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=25 -XX:MaxRAM=469762048 -XX:+UseG1GC -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000' "$work/gateway.log" \
  && pass "JVM picked up the chart's JAVA_TOOL_OPTIONS" || fail "JAVA_TOOL_OPTIONS"
start=\$(date +%s)
kill -TERM \$java_pid
for _ in \$(seq 1 30); do kill -0 \$java_pid 2>/dev/null || break; sleep 1; done
kill -0 \$java_pid 2>/dev/null && fail "still running 30 s after SIGTERM"
grep -q 'Graceful shutdown complete' "$work/gateway.log" && pass "SIGTERM: graceful shutdown in \$((\$(date +%s) - start)) s" \
  || fail "no graceful shutdown"
EOSCRIPT
echo "image verified"
