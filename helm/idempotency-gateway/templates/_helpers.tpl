{{/*
Names, labels and derived settings.

Most helpers take a context dict, so that they give the same answer when called from this chart
and from a parent chart that includes the gateway as a sidecar (see _pod.tpl):
  values:    the gateway chart's values (here .Values; in a parent .Values.<dependency name or alias>)
  context:   the root context ($), for .Release and .Capabilities
  chartName: this chart's name as the parent sees it (the dependency's alias, if any)
*/}}

{{/* The usual one-argument helpers, for this chart's own templates. */}}
{{- define "idempotency-gateway.name" -}}
{{- include "idempotency-gateway.lib.name" (dict "values" .Values "context" . "chartName" .Chart.Name) }}
{{- end }}

{{- define "idempotency-gateway.fullname" -}}
{{- include "idempotency-gateway.lib.fullname" (dict "values" .Values "context" . "chartName" .Chart.Name) }}
{{- end }}

{{- define "idempotency-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object; the component is gateway unless one is given. */}}
{{- define "idempotency-gateway.labels" -}}
{{- include "idempotency-gateway.lib.labels" (dict "values" .Values "context" . "chartName" .Chart.Name) }}
{{- end }}

{{- define "idempotency-gateway.selectorLabels" -}}
{{- include "idempotency-gateway.lib.selectorLabels" (dict "values" .Values "context" . "chartName" .Chart.Name) }}
{{- end }}

{{- define "idempotency-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "idempotency-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "idempotency-gateway.redis.fullname" -}}
{{- printf "%s-redis" (include "idempotency-gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of the bundled Redis: same instance, component redis. */}}
{{- define "idempotency-gateway.redis.labels" -}}
{{- include "idempotency-gateway.lib.labels" (dict "values" .Values "context" . "chartName" .Chart.Name "component" "redis") }}
{{- end }}

{{- define "idempotency-gateway.redis.selectorLabels" -}}
{{- include "idempotency-gateway.lib.selectorLabels" (dict "values" .Values "context" . "chartName" .Chart.Name "component" "redis") }}
{{- end }}

{{/* ---- Context-dict helpers (also used by a parent chart through _pod.tpl) ---- */}}

{{- define "idempotency-gateway.lib.name" -}}
{{- default (default "idempotency-gateway" .chartName) .values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "idempotency-gateway.lib.fullname" -}}
{{- if .values.fullnameOverride }}
{{- .values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "idempotency-gateway.lib.name" . }}
{{- if contains $name .context.Release.Name }}
{{- .context.Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .context.Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "idempotency-gateway.lib.selectorLabels" -}}
app.kubernetes.io/name: {{ include "idempotency-gateway.lib.name" . }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
app.kubernetes.io/component: {{ default "gateway" .component }}
{{- end }}

{{- define "idempotency-gateway.lib.labels" -}}
{{- $chart := printf "%s-%s" (default "idempotency-gateway" .chartName) (.context.Chart.Version | default "") -}}
helm.sh/chart: {{ $chart | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "idempotency-gateway.lib.selectorLabels" . }}
app.kubernetes.io/version: {{ include "idempotency-gateway.lib.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: idempotency-gateway
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
{{- with .values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* image.tag, else this chart's appVersion, also when called from a parent chart (through .Subcharts). */}}
{{- define "idempotency-gateway.lib.imageTag" -}}
{{- $tag := toString (default "" .values.image.tag) }}
{{- $chart := .context.Chart }}
{{- if and .chartName (ne .chartName .context.Chart.Name) }}
{{- with .context.Subcharts }}{{ with index . $.chartName }}{{ $chart = .Chart }}{{ end }}{{ end }}
{{- end }}
{{- if $tag }}{{ $tag }}{{ else }}{{ $chart.AppVersion | default $chart.Version }}{{ end }}
{{- end }}

{{/* [global.imageRegistry/]repository:tag, or ...@digest when a digest pins the image. */}}
{{- define "idempotency-gateway.lib.image" -}}
{{- include "idempotency-gateway.lib.imageRef" (dict "values" .values "repository" .values.image.repository "tag" (include "idempotency-gateway.lib.imageTag" .) "digest" .values.image.digest) }}
{{- end }}

{{/*
Any image the chart runs: a dict of values (for global.imageRegistry), repository, tag and digest
(wins over the tag when set).
*/}}
{{- define "idempotency-gateway.lib.imageRef" -}}
{{- $registry := "" }}
{{- with .values.global }}{{ $registry = .imageRegistry | default "" }}{{ end }}
{{- $repository := ternary (printf "%s/%s" (trimSuffix "/" $registry) .repository) .repository (not (empty $registry)) }}
{{- if .digest }}
{{- printf "%s@%s" $repository .digest }}
{{- else }}
{{- printf "%s:%s" $repository (toString .tag) }}
{{- end }}
{{- end }}

{{/* memory or redis: explicit `store`, else redis as soon as a Redis is configured. */}}
{{- define "idempotency-gateway.lib.store" -}}
{{- if .values.store }}
{{- .values.store }}
{{- else if or .values.redis.bundled.enabled (include "idempotency-gateway.lib.externalRedisConfigured" .) }}
{{- "redis" }}
{{- else }}
{{- "memory" }}
{{- end }}
{{- end }}

{{- define "idempotency-gateway.lib.externalRedisConfigured" -}}
{{- $e := .values.redis.external }}
{{- if or $e.host $e.sentinel.nodes $e.cluster.nodes }}true{{ end }}
{{- end }}

{{- define "idempotency-gateway.lib.redisFullname" -}}
{{- printf "%s-redis" (include "idempotency-gateway.lib.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of the Secret with the Redis password; empty when Redis needs none. redis.*.existingSecret,
else secrets.existingSecret (key redis-password), else the chart's own.
*/}}
{{- define "idempotency-gateway.lib.redisSecretName" -}}
{{- $r := .values.redis }}
{{- $shared := .values.secrets.existingSecret }}
{{- if $r.bundled.enabled }}
{{- default (include "idempotency-gateway.lib.redisFullname" .) (default $shared $r.bundled.existingSecret) }}
{{- else if $r.external.existingSecret }}
{{- $r.external.existingSecret }}
{{- else if and $r.external.password (include "idempotency-gateway.lib.externalRedisConfigured" .) }}
{{- include "idempotency-gateway.lib.redisFullname" . }}
{{- else if and $shared (include "idempotency-gateway.lib.externalRedisConfigured" .) }}
{{- $shared }}
{{- end }}
{{- end }}

{{- define "idempotency-gateway.lib.redisPasswordKey" -}}
{{- $r := .values.redis }}
{{- if and $r.bundled.enabled $r.bundled.existingSecret }}
{{- $r.bundled.existingSecretPasswordKey }}
{{- else if and (not $r.bundled.enabled) $r.external.existingSecret }}
{{- $r.external.existingSecretPasswordKey }}
{{- else }}
{{- "redis-password" }}
{{- end }}
{{- end }}

{{/*
"true" when the Redis password comes from secrets.existingSecret for an external Redis: the key may
be absent (a Redis without a password), so its secretKeyRef is optional.
*/}}
{{- define "idempotency-gateway.lib.redisPasswordOptional" -}}
{{- $r := .values.redis }}
{{- if and (not $r.bundled.enabled) (not $r.external.existingSecret) (not $r.external.password) .values.secrets.existingSecret }}true{{ end }}
{{- end }}

{{/* The Secret the chart itself renders: bundled Redis without existingSecret, or an inline external password. */}}
{{- define "idempotency-gateway.lib.chartManagedRedisSecret" -}}
{{- $r := .values.redis }}
{{- if $r.bundled.enabled }}
{{- if not (or $r.bundled.existingSecret .values.secrets.existingSecret) }}true{{ end }}
{{- else if and $r.external.password (not $r.external.existingSecret) (include "idempotency-gateway.lib.externalRedisConfigured" .) }}true{{ end }}
{{- end }}

{{- define "idempotency-gateway.lib.secretsFullname" -}}
{{- printf "%s-secrets" (include "idempotency-gateway.lib.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The gateway's own secrets as Secret data (key: plain value), those given inline only; empty with
secrets.existingSecret. A YAML map.
*/}}
{{- define "idempotency-gateway.lib.secretsData" -}}
{{- $s := .values.secrets }}
{{- $data := dict }}
{{- if not $s.existingSecret }}
{{- with $s.adminToken }}{{ $_ := set $data "admin-token" . }}{{ end }}
{{- with $s.keyHashSecret }}{{ $_ := set $data "key-hash-secret" . }}{{ end }}
{{- with $s.auditHashSecret }}{{ $_ := set $data "audit-hash-secret" . }}{{ end }}
{{- range $id, $key := $s.encryption.keys }}{{ $_ := set $data (printf "encryption-key-%s" $id) $key }}{{ end }}
{{- end }}
{{- with $data }}{{ toYaml . }}{{ end }}
{{- end }}

{{/* Name of the Secret with the gateway's own secrets; empty when there are none. */}}
{{- define "idempotency-gateway.lib.secretsName" -}}
{{- if .values.secrets.existingSecret }}
{{- .values.secrets.existingSecret }}
{{- else if include "idempotency-gateway.lib.secretsData" . }}
{{- include "idempotency-gateway.lib.secretsFullname" . }}
{{- end }}
{{- end }}

{{/*
The secrets as environment variables, each a secretKeyRef: from secrets.existingSecret all but the
encryption keys are optional (a key the Secret lacks leaves its feature off).
*/}}
{{- define "idempotency-gateway.lib.secretsEnv" -}}
{{- $s := .values.secrets }}
{{- $name := include "idempotency-gateway.lib.secretsName" . }}
{{- $existing := not (empty $s.existingSecret) }}
{{- $vars := list (list "IDEMPOTENCY_ADMIN_TOKEN" "admin-token" $s.adminToken) (list "IDEMPOTENCY_REDIS_KEYHASHSECRET" "key-hash-secret" $s.keyHashSecret) (list "IDEMPOTENCY_AUDIT_HASHSECRET" "audit-hash-secret" $s.auditHashSecret) }}
{{- range $vars }}
{{- if or $existing (index . 2) }}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ index . 1 }}
      {{- if $existing }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- $ids := ternary $s.encryption.keyIds (keys $s.encryption.keys | sortAlpha) $existing }}
{{- range $ids }}
{{- /* Spring binds IDEMPOTENCY_ENCRYPTION_KEYS_<ID> to idempotency.encryption.keys.<id>. */}}
- name: {{ printf "IDEMPOTENCY_ENCRYPTION_KEYS_%s" (upper .) }}
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ printf "encryption-key-%s" . }}
{{- end }}
{{- with $s.encryption.activeKey }}
- name: IDEMPOTENCY_ENCRYPTION_ACTIVEKEY
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{- define "idempotency-gateway.lib.rulesConfigMapName" -}}
{{- default (printf "%s-rules" (include "idempotency-gateway.lib.fullname" .) | trunc 63 | trimSuffix "-") .values.routes.existingConfigMap }}
{{- end }}

{{- define "idempotency-gateway.lib.rulesKey" -}}
{{- if .values.routes.existingConfigMap }}{{ .values.routes.existingConfigMapKey }}{{ else }}routes.yml{{ end }}
{{- end }}

{{/* Where a rule without `uri` goes. */}}
{{- define "idempotency-gateway.lib.defaultUri" -}}
{{- if eq .values.mode "sidecar" }}
{{- printf "http://localhost:%v" .values.upstream.port }}
{{- else }}
{{- .values.upstream.url }}
{{- end }}
{{- end }}

{{/*
The rules file: `config` plus the rules under spring.cloud.gateway.server.webflux.routes (the
prefix Spring Cloud Gateway 5 binds), each rule given the default uri when it has none.
*/}}
{{- define "idempotency-gateway.lib.rulesFile" -}}
{{- $default := include "idempotency-gateway.lib.defaultUri" . }}
{{- $rules := list }}
{{- range $i, $rule := .values.routes.rules }}
{{- $r := deepCopy $rule }}
{{- if not $r.uri }}
{{- if not $default }}
{{- fail (printf "routes.rules[%d] (id %v) has no uri and upstream.url is empty: set upstream.url or the rule's uri" $i $r.id) }}
{{- end }}
{{- $_ := set $r "uri" $default }}
{{- end }}
{{- $rules = append $rules $r }}
{{- end }}
{{- $routes := dict "spring" (dict "cloud" (dict "gateway" (dict "server" (dict "webflux" (dict "routes" $rules))))) }}
{{- $file := mustMergeOverwrite (deepCopy (default (dict) .values.config)) $routes }}
{{- with include "idempotency-gateway.lib.identityProperties" . | fromYaml }}
{{- $file = mustMergeOverwrite $file (dict "idempotency" .) }}
{{- end }}
{{- toYaml $file }}
{{- end }}

{{- define "idempotency-gateway.lib.apiKeysDir" -}}
/etc/idempotency-gateway/api-keys
{{- end }}

{{/*
identity.default and identity.sources as idempotency.client-identity / client-identities (a YAML
map, empty without them): each source's apiKeysSecret becomes the api-keys-file it is mounted as.
*/}}
{{- define "idempotency-gateway.lib.identityProperties" -}}
{{- $props := dict }}
{{- $dir := include "idempotency-gateway.lib.apiKeysDir" . }}
{{- with .values.identity.default }}
{{- $source := omit . "apiKeysSecret" }}
{{- if .apiKeysSecret }}{{ $_ := set $source "api-keys-file" (printf "%s/default/api-keys" $dir) }}{{ end }}
{{- $_ := set $props "client-identity" $source }}
{{- end }}
{{- $named := dict }}
{{- range $name, $spec := .values.identity.sources }}
{{- $source := omit $spec "apiKeysSecret" }}
{{- if $spec.apiKeysSecret }}{{ $_ := set $source "api-keys-file" (printf "%s/%s/api-keys" $dir $name) }}{{ end }}
{{- $_ := set $named $name $source }}
{{- end }}
{{- with $named }}{{ $_ := set $props "client-identities" . }}{{ end }}
{{- with $props }}{{ toYaml . }}{{ end }}
{{- end }}

{{/* Every identity source with an apiKeysSecret: a list of {source, name, key} in YAML. */}}
{{- define "idempotency-gateway.lib.apiKeySecrets" -}}
{{- $mounts := list }}
{{- with .values.identity.default.apiKeysSecret }}
{{- $mounts = append $mounts (dict "source" "default" "name" .name "key" (default "api-keys" .key)) }}
{{- end }}
{{- range $name, $spec := .values.identity.sources }}
{{- with $spec.apiKeysSecret }}
{{- $mounts = append $mounts (dict "source" $name "name" .name "key" (default "api-keys" .key)) }}
{{- end }}
{{- end }}
{{- toYaml $mounts }}
{{- end }}

{{/* Kubernetes memory quantity (512Mi, 1G, 536870912) to bytes; empty in, empty out. */}}
{{- define "idempotency-gateway.lib.memoryBytes" -}}
{{- if . }}
{{- $q := kindIs "float64" . | ternary (printf "%d" (int64 .)) (toString .) }}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" $q }}
{{- $unit := trimPrefix $num $q }}
{{- $factors := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 }}
{{- if or (not $num) (not (hasKey $factors $unit)) }}
{{- fail (printf "cannot read the memory quantity %q (use e.g. 512Mi or 1Gi)" $q) }}
{{- end }}
{{- printf "%d" (int64 (mulf (float64 $num) (get $factors $unit))) }}
{{- end }}
{{- end }}

{{/*
JVM options. Heap is a share of the container's memory: the limit when there is one (the JVM
would see it anyway), else the request, passed as -XX:MaxRAM so that a pod without a limit does
not size its heap from the whole node.
*/}}
{{- define "idempotency-gateway.lib.javaToolOptions" -}}
{{- $res := default (dict) .values.resources }}
{{- $mem := or (dig "limits" "memory" "" $res) (dig "requests" "memory" "" $res) }}
{{- /* The request is read (and refused when unreadable) even when the limit decides the heap. */}}
{{- $_ := include "idempotency-gateway.lib.memoryBytes" (dig "requests" "memory" "" $res) }}
{{- $opts := list (printf "-XX:MaxRAMPercentage=%v" .values.jvm.maxRAMPercentage) }}
{{- with include "idempotency-gateway.lib.memoryBytes" $mem }}
{{- $opts = append $opts (printf "-XX:MaxRAM=%s" .) }}
{{- end }}
{{- /* Named, not left to the JVM: under 1792 MB of container memory it would pick the serial collector. */}}
{{- with .values.jvm.garbageCollector }}
{{- $opts = append $opts (printf "-XX:+Use%sGC" .) }}
{{- end }}
{{- /* glibc keeps the C heap the JIT freed; trimmed, the pod's RSS is ~35 MB lower (bench/README.md). */}}
{{- with .values.jvm.trimNativeHeapIntervalMillis }}
{{- $opts = append $opts (printf "-XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=%d" (int64 .)) }}
{{- end }}
{{- /* Without a CPU limit the JVM would size its threads from the node's cores, not from what was measured. */}}
{{- if not (dig "limits" "cpu" "" $res) }}
{{- with .values.jvm.activeProcessorCount }}
{{- $opts = append $opts (printf "-XX:ActiveProcessorCount=%d" (int64 .)) }}
{{- end }}
{{- end }}
{{- $opts = append $opts "-XX:+ExitOnOutOfMemoryError" }}
{{- with .values.jvm.extraOptions }}
{{- $opts = append $opts . }}
{{- end }}
{{- join " " $opts }}
{{- end }}

{{/* Grace period: preStop sleep + shutdown phase + 5 s for the JVM to exit, unless set explicitly. */}}
{{- define "idempotency-gateway.lib.terminationGracePeriodSeconds" -}}
{{- $needed := add .values.lifecycle.preStopSleepSeconds .values.lifecycle.shutdownTimeoutSeconds }}
{{- if .values.terminationGracePeriodSeconds }}
{{- if lt (int .values.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "terminationGracePeriodSeconds (%v) is shorter than lifecycle.preStopSleepSeconds + lifecycle.shutdownTimeoutSeconds (%v): in-flight requests would be killed" .values.terminationGracePeriodSeconds $needed) }}
{{- end }}
{{- .values.terminationGracePeriodSeconds }}
{{- else }}
{{- add $needed 5 }}
{{- end }}
{{- end }}

{{/* Checks that a schema cannot express; fails the render with what is wrong and what to do. */}}
{{- define "idempotency-gateway.lib.validate" -}}
{{- $v := .values }}
{{- $r := $v.redis }}
{{- $store := include "idempotency-gateway.lib.store" . }}
{{- $external := include "idempotency-gateway.lib.externalRedisConfigured" . }}
{{- if and $r.bundled.enabled $external }}
{{- fail "redis.bundled.enabled and redis.external.* are both set: choose one Redis" }}
{{- end }}
{{- if and (eq $store "redis") (not $r.bundled.enabled) (not $external) }}
{{- fail "store is redis but no Redis is configured: set redis.bundled.enabled=true or redis.external.host (or sentinel/cluster nodes)" }}
{{- end }}
{{- if and (eq $store "memory") (or $r.bundled.enabled $external) }}
{{- fail "store is memory but a Redis is configured: remove store (it then defaults to redis) or the Redis settings" }}
{{- end }}
{{- if and $r.external.sentinel.nodes $r.external.cluster.nodes }}
{{- fail "redis.external.sentinel.nodes and redis.external.cluster.nodes are both set: a Redis is either Sentinel-managed or a cluster" }}
{{- end }}
{{- if and $r.external.sentinel.nodes (not $r.external.sentinel.master) }}
{{- fail "redis.external.sentinel.nodes needs redis.external.sentinel.master (the monitored master's name)" }}
{{- end }}
{{- if and $r.external.sentinel.passwordKey (not (include "idempotency-gateway.lib.redisSecretName" .)) }}
{{- fail "redis.external.sentinel.passwordKey needs redis.external.existingSecret (the Secret that holds it)" }}
{{- end }}
{{- if and (eq $store "memory") (eq $v.mode "standalone") (or $v.autoscaling.enabled (gt (int $v.replicaCount) 1)) }}
{{- fail "store is memory but there is more than one replica: every pod would keep its own records and a retry reaching another pod would execute twice. Use Redis (redis.bundled.enabled or redis.external.*) or replicaCount=1" }}
{{- end }}
{{- if eq $v.mode "sidecar" }}
{{- if or (eq (int $v.upstream.port) (int $v.containerPorts.http)) (eq (int $v.upstream.port) (int $v.containerPorts.management)) }}
{{- fail (printf "upstream.port (%v) clashes with the gateway's containerPorts: in sidecar mode the gateway and the application share the pod's network; give the gateway other ports, e.g. containerPorts.http=8000 and containerPorts.management=8001" $v.upstream.port) }}
{{- end }}
{{- end }}
{{- if eq (int $v.containerPorts.http) (int $v.containerPorts.management) }}
{{- fail "containerPorts.http and containerPorts.management must differ" }}
{{- end }}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas is greater than autoscaling.maxReplicas" }}
{{- end }}
{{- $s := $v.secrets }}
{{- if and $s.existingSecret (or $s.adminToken $s.keyHashSecret $s.auditHashSecret $s.encryption.keys) }}
{{- fail "secrets.existingSecret is set together with inline secrets.* values: keep every secret in the existing Secret, or set none" }}
{{- end }}
{{- if and $s.encryption.keyIds (not $s.existingSecret) }}
{{- fail "secrets.encryption.keyIds names keys in secrets.existingSecret, which is empty: set it, or give the keys in secrets.encryption.keys" }}
{{- end }}
{{- $keyIds := ternary $s.encryption.keyIds (keys $s.encryption.keys) (not (empty $s.existingSecret)) }}
{{- if and $s.encryption.activeKey (not (has $s.encryption.activeKey $keyIds)) }}
{{- fail (printf "secrets.encryption.activeKey %q is not one of the keys given (%s): new records could not be sealed" $s.encryption.activeKey (join ", " ($keyIds | sortAlpha))) }}
{{- end }}
{{- if and $keyIds (not $s.encryption.activeKey) }}
{{- fail "secrets.encryption keys are given but no activeKey: name the key new records are sealed with" }}
{{- end }}
{{- $c := default (dict) $v.config }}
{{- range $path := list (list "admin" "token") (list "redis" "key-hash-secret") (list "audit" "hash-secret") (list "encryption" "keys") }}
{{- if dig "idempotency" (index $path 0) (index $path 1) "" $c }}
{{- fail (printf "config.idempotency.%s.%s would put a secret into the rules ConfigMap: set it under secrets.* (or in secrets.existingSecret)" (index $path 0) (index $path 1)) }}
{{- end }}
{{- end }}
{{- if and $v.routes.existingConfigMap (or $v.identity.default $v.identity.sources) }}
{{- fail "identity.* is rendered into the chart's rules file, which routes.existingConfigMap replaces: put idempotency.client-identity(-ies) into your ConfigMap's file instead" }}
{{- end }}
{{- if and $v.httpRoute.enabled (not $v.httpRoute.parentRefs) }}
{{- fail "httpRoute.enabled needs httpRoute.parentRefs: the Gateway(s) the route attaches to" }}
{{- end }}
{{- $pdb := $v.podDisruptionBudget }}
{{- if and (include "idempotency-gateway.lib.isSet" $pdb.minAvailable) (include "idempotency-gateway.lib.isSet" $pdb.maxUnavailable) }}
{{- fail "podDisruptionBudget: set minAvailable or maxUnavailable, not both" }}
{{- end }}
{{- end }}

{{/* "true" when a value is given: not null and not "" (0 counts as given). */}}
{{- define "idempotency-gateway.lib.isSet" -}}
{{- if not (or (kindIs "invalid" .) (eq (toString .) "")) }}true{{ end }}
{{- end }}

{{/* An IntOrString field: a number as a number, "50%" (or "2") as written, quoted. */}}
{{- define "idempotency-gateway.lib.intOrPercent" -}}
{{- if kindIs "string" . }}{{ . | quote }}{{ else }}{{ int64 . }}{{ end }}
{{- end }}

{{/*
Ports the gateway calls upstream on: those of upstream.url and of every rule's uri (http 80,
https 443 when none is written; lb:// URIs have none). A list in YAML.
*/}}
{{- define "idempotency-gateway.lib.upstreamPorts" -}}
{{- $uris := list }}
{{- with .values.upstream.url }}{{ $uris = append $uris . }}{{ end }}
{{- range .values.routes.rules }}{{ with .uri }}{{ $uris = append $uris . }}{{ end }}{{ end }}
{{- $ports := list }}
{{- range $uris }}
{{- $u := urlParse . }}
{{- $hostPort := splitList ":" $u.host }}
{{- if gt (len $hostPort) 1 }}
{{- $ports = append $ports (int (last $hostPort)) }}
{{- else if has $u.scheme (list "http" "ws") }}
{{- $ports = append $ports 80 }}
{{- else if has $u.scheme (list "https" "wss") }}
{{- $ports = append $ports 443 }}
{{- end }}
{{- end }}
{{- toYaml (uniq $ports) }}
{{- end }}

{{/* Ports of the external Redis: the node's, each Sentinel's and each cluster node's. A list in YAML. */}}
{{- define "idempotency-gateway.lib.externalRedisPorts" -}}
{{- $e := .values.redis.external }}
{{- $ports := list (int $e.port) }}
{{- range concat $e.sentinel.nodes $e.cluster.nodes }}
{{- $ports = append $ports (int (last (splitList ":" .))) }}
{{- end }}
{{- toYaml (uniq $ports) }}
{{- end }}
