{{/*
=====================================================================================================
Public named templates: the gateway's container, its volumes, its pod annotations and its grace
period. This chart's Deployment (standalone mode) is built from them, and an application's chart
that has this chart as a dependency (mode: sidecar) includes them into its own pod template:

  containers:
    - name: app
      ...
    {{- include "idempotency-gateway.container" (dict "values" .Values.gateway "context" $ "chartName" "gateway") | nindent 8 }}
  volumes:
    {{- include "idempotency-gateway.volumes" (dict "values" .Values.gateway "context" $ "chartName" "gateway") | nindent 8 }}

`chartName` is the dependency's name as the parent sees it (its alias, "gateway" above), so that the
ConfigMap and Secret names computed here match the objects the dependency renders. All four take the
same dict; none reads anything but `values`, `context.Release`, `context.Capabilities` and
`context.Chart`. helm/examples/sidecar-app shows the whole wiring. Names and arguments are a stable
API: change them only with a major chart version.
=====================================================================================================
*/}}

{{/* The gateway container, as one item of a `containers:` list. */}}
{{- define "idempotency-gateway.container" -}}
{{- include "idempotency-gateway.lib.validate" . }}
{{- $v := .values }}
{{- $store := include "idempotency-gateway.lib.store" . }}
{{- $redis := $v.redis }}
{{- $kubeVersion := .context.Capabilities.KubeVersion.Version -}}
- name: idempotency-gateway
  image: {{ include "idempotency-gateway.lib.image" . | quote }}
  imagePullPolicy: {{ $v.image.pullPolicy }}
  {{- with $v.extraArgs }}
  args:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - name: gateway-http
      containerPort: {{ $v.containerPorts.http }}
      protocol: TCP
    - name: gateway-mgmt
      containerPort: {{ $v.containerPorts.management }}
      protocol: TCP
  env:
    - name: SERVER_PORT
      value: {{ $v.containerPorts.http | quote }}
    - name: MANAGEMENT_SERVER_PORT
      value: {{ $v.containerPorts.management | quote }}
    - name: MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED
      value: "true"
    - name: MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE
      {{- /* idempotency: the admin API, active only with IDEMPOTENCY_ADMIN_TOKEN (secrets.adminToken or secrets.existingSecret). */}}
      value: {{ ternary "health,info,prometheus,idempotency" "health,info,idempotency" $v.metrics.enabled | quote }}
    - name: SERVER_SHUTDOWN
      value: graceful
    - name: SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE
      value: {{ printf "%vs" $v.lifecycle.shutdownTimeoutSeconds | quote }}
    - name: IDEMPOTENCY_RULES_LOCATION
      {{- /*
      The mounted ConfigMap's directory, not its file: the kubelet updates a ConfigMap volume by
      swapping the directory's ..data link, which a subPath or single-file mount never sees.
      */}}
      value: {{ include "idempotency-gateway.lib.rulesDir" . | quote }}
    - name: IDEMPOTENCY_RULES_RELOADINTERVAL
      value: {{ ternary $v.routes.reloadInterval "0" (include "idempotency-gateway.lib.liveReload" . | eq "true") | quote }}
    {{- if and $v.tests.enabled (eq $v.mode "standalone") }}
    - name: IDEMPOTENCY_SELFTEST_ENABLED
      value: "true"
    {{- with $v.tests.clientIdentity }}
    - name: IDEMPOTENCY_SELFTEST_CLIENTIDENTITY
      value: {{ . | quote }}
    {{- end }}
    {{- end }}
    - name: IDEMPOTENCY_STORE
      value: {{ $store | quote }}
    - name: JAVA_TOOL_OPTIONS
      value: {{ include "idempotency-gateway.lib.javaToolOptions" . | quote }}
    {{- with $v.jvm.mallocArenaMax }}
    - name: MALLOC_ARENA_MAX
      value: {{ . | quote }}
    {{- end }}
    {{- if eq $store "redis" }}
    {{- include "idempotency-gateway.lib.redisEnv" . | nindent 4 }}
    {{- end }}
    {{- with include "idempotency-gateway.lib.secretsEnv" . | trim }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- with $v.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $v.extraEnvFrom }}
  envFrom:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if $v.probes.startupOverride }}
  startupProbe:
    {{- toYaml $v.probes.startupOverride | nindent 4 }}
  {{- else }}
  {{- with $v.probes.startup }}
  {{- if .enabled }}
  startupProbe:
    httpGet:
      path: /actuator/health/liveness
      port: gateway-mgmt
    initialDelaySeconds: {{ .initialDelaySeconds }}
    periodSeconds: {{ .periodSeconds }}
    timeoutSeconds: {{ .timeoutSeconds }}
    failureThreshold: {{ .failureThreshold }}
  {{- end }}
  {{- end }}
  {{- end }}
  {{- if $v.probes.livenessOverride }}
  livenessProbe:
    {{- toYaml $v.probes.livenessOverride | nindent 4 }}
  {{- else }}
  {{- with $v.probes.liveness }}
  {{- if .enabled }}
  livenessProbe:
    httpGet:
      path: /actuator/health/liveness
      port: gateway-mgmt
    periodSeconds: {{ .periodSeconds }}
    timeoutSeconds: {{ .timeoutSeconds }}
    failureThreshold: {{ .failureThreshold }}
  {{- end }}
  {{- end }}
  {{- end }}
  {{- if $v.probes.readinessOverride }}
  readinessProbe:
    {{- toYaml $v.probes.readinessOverride | nindent 4 }}
  {{- else }}
  {{- with $v.probes.readiness }}
  {{- if .enabled }}
  readinessProbe:
    httpGet:
      path: /actuator/health/readiness
      port: gateway-mgmt
    periodSeconds: {{ .periodSeconds }}
    timeoutSeconds: {{ .timeoutSeconds }}
    failureThreshold: {{ .failureThreshold }}
    successThreshold: {{ .successThreshold }}
  {{- end }}
  {{- end }}
  {{- end }}
  {{- if gt (int $v.lifecycle.preStopSleepSeconds) 0 }}
  lifecycle:
    preStop:
      {{- /* The sleep action (1.30+) needs no shell or sleep binary in the image. */}}
      {{- if semverCompare ">=1.30-0" $kubeVersion }}
      sleep:
        seconds: {{ $v.lifecycle.preStopSleepSeconds }}
      {{- else }}
      exec:
        command: ["sleep", {{ $v.lifecycle.preStopSleepSeconds | quote }}]
      {{- end }}
  {{- end }}
  {{- with $v.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.securityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: idempotency-gateway-tmp
      mountPath: /tmp
    - name: idempotency-gateway-rules
      mountPath: {{ include "idempotency-gateway.lib.rulesDir" . }}
      readOnly: true
    {{- range include "idempotency-gateway.lib.apiKeySecrets" . | fromYamlArray }}
    - name: {{ printf "idempotency-gateway-api-keys-%s" .source | trunc 63 | trimSuffix "-" }}
      mountPath: {{ printf "%s/%s" (include "idempotency-gateway.lib.apiKeysDir" $) .source }}
      readOnly: true
    {{- end }}
    {{- if and $redis.external.tls.enabled $redis.external.tls.caSecret (not $redis.bundled.enabled) }}
    - name: idempotency-gateway-redis-ca
      mountPath: /etc/idempotency-gateway/redis-ca
      readOnly: true
    {{- end }}
    {{- with $v.extraVolumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/* The gateway's volumes, as items of a `volumes:` list. */}}
{{- define "idempotency-gateway.volumes" -}}
{{- $v := .values }}
{{- $redis := $v.redis -}}
- name: idempotency-gateway-tmp
  emptyDir:
    {{- with $v.tmpVolume.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
- name: idempotency-gateway-rules
  configMap:
    name: {{ include "idempotency-gateway.lib.rulesConfigMapName" . }}
    items:
      - key: {{ include "idempotency-gateway.lib.rulesKey" . }}
        path: routes.yml
{{- range include "idempotency-gateway.lib.apiKeySecrets" . | fromYamlArray }}
- name: {{ printf "idempotency-gateway-api-keys-%s" .source | trunc 63 | trimSuffix "-" }}
  secret:
    secretName: {{ .name }}
    items:
      - key: {{ .key }}
        path: api-keys
{{- end }}
{{- if and $redis.external.tls.enabled $redis.external.tls.caSecret (not $redis.bundled.enabled) }}
- name: idempotency-gateway-redis-ca
  secret:
    secretName: {{ $redis.external.tls.caSecret }}
    items:
      - key: {{ $redis.external.tls.caKey }}
        path: ca.crt
{{- end }}
{{- with $v.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Pod annotations the gateway needs: checksums of what the pods read at startup only, so that a
change rolls them, and Prometheus scrape annotations.
- checksum/rules (routes.liveReload off): the rendered rules file. With live reload a rules change
  reaches the running pods through the mounted ConfigMap instead, and only checksum/config (the
  `config` and `identity` values, read at startup) rolls them.
- checksum/secrets, checksum/redis-password: the chart-rendered Secrets (environment variables are
  read at startup). Secrets from existingSecret carry none: restart the pods after changing them.
Rules from routes.existingConfigMap carry no checksum.
*/}}
{{- define "idempotency-gateway.podAnnotations" -}}
{{- $v := .values }}
{{- $annotations := dict }}
{{- if not $v.routes.existingConfigMap }}
{{- if include "idempotency-gateway.lib.liveReload" . | eq "true" }}
{{- $_ := set $annotations "checksum/config" (toYaml (dict "config" $v.config "identity" $v.identity) | sha256sum) }}
{{- else }}
{{- $_ := set $annotations "checksum/rules" (include "idempotency-gateway.lib.rulesFile" . | sha256sum) }}
{{- end }}
{{- end }}
{{- if and (not $v.redis.bundled.enabled) (include "idempotency-gateway.lib.chartManagedRedisSecret" .) }}
{{- $_ := set $annotations "checksum/redis-password" ($v.redis.external.password | sha256sum) }}
{{- end }}
{{- with include "idempotency-gateway.lib.secretsData" . }}
{{- $_ := set $annotations "checksum/secrets" (. | sha256sum) }}
{{- end }}
{{- if and $v.metrics.enabled $v.metrics.scrapeAnnotations }}
{{- $_ := set $annotations "prometheus.io/scrape" "true" }}
{{- $_ := set $annotations "prometheus.io/port" (toString $v.containerPorts.management) }}
{{- $_ := set $annotations "prometheus.io/path" "/actuator/prometheus" }}
{{- end }}
{{- with $annotations }}{{ toYaml . }}{{ end }}
{{- end }}

{{/* terminationGracePeriodSeconds that covers the gateway's preStop sleep and shutdown phase. */}}
{{- define "idempotency-gateway.terminationGracePeriodSeconds" -}}
{{- include "idempotency-gateway.lib.terminationGracePeriodSeconds" . }}
{{- end }}

{{/* spring.data.redis.* as environment variables; the password only ever from a Secret. */}}
{{- define "idempotency-gateway.lib.redisEnv" -}}
{{- $redis := .values.redis }}
{{- $e := $redis.external }}
{{- $secretName := include "idempotency-gateway.lib.redisSecretName" . -}}
- name: SPRING_DATA_REDIS_TIMEOUT
  value: {{ $redis.timeout | quote }}
- name: SPRING_DATA_REDIS_CONNECT_TIMEOUT
  value: {{ $redis.connectTimeout | quote }}
{{- if $redis.bundled.enabled }}
- name: SPRING_DATA_REDIS_HOST
  value: {{ include "idempotency-gateway.lib.redisFullname" . | quote }}
- name: SPRING_DATA_REDIS_PORT
  value: "6379"
{{- else }}
{{- if $e.sentinel.nodes }}
- name: SPRING_DATA_REDIS_SENTINEL_MASTER
  value: {{ $e.sentinel.master | quote }}
- name: SPRING_DATA_REDIS_SENTINEL_NODES
  value: {{ join "," $e.sentinel.nodes | quote }}
{{- if $e.sentinel.passwordKey }}
- name: SPRING_DATA_REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $e.sentinel.passwordKey }}
{{- end }}
{{- else if $e.cluster.nodes }}
- name: SPRING_DATA_REDIS_CLUSTER_NODES
  value: {{ join "," $e.cluster.nodes | quote }}
- name: SPRING_DATA_REDIS_CLUSTER_MAX_REDIRECTS
  value: {{ $e.cluster.maxRedirects | quote }}
{{- else }}
- name: SPRING_DATA_REDIS_HOST
  value: {{ $e.host | quote }}
- name: SPRING_DATA_REDIS_PORT
  value: {{ $e.port | quote }}
{{- end }}
{{- if not $e.cluster.nodes }}
- name: SPRING_DATA_REDIS_DATABASE
  value: {{ $e.database | quote }}
{{- end }}
{{- with $e.username }}
- name: SPRING_DATA_REDIS_USERNAME
  value: {{ . | quote }}
{{- end }}
{{- if $e.tls.enabled }}
- name: SPRING_DATA_REDIS_SSL_ENABLED
  value: "true"
{{- if $e.tls.caSecret }}
- name: SPRING_SSL_BUNDLE_PEM_REDIS_TRUSTSTORE_CERTIFICATE
  value: file:/etc/idempotency-gateway/redis-ca/ca.crt
- name: SPRING_DATA_REDIS_SSL_BUNDLE
  value: redis
{{- end }}
{{- end }}
{{- end }}
{{- if $secretName }}
- name: SPRING_DATA_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ include "idempotency-gateway.lib.redisPasswordKey" . }}
      {{- if include "idempotency-gateway.lib.redisPasswordOptional" . }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}

{{- define "idempotency-gateway.lib.rulesDir" -}}
/etc/idempotency-gateway/rules
{{- end }}

{{/* "true" when the gateway reloads the mounted rules; a string, as include returns one. */}}
{{- define "idempotency-gateway.lib.liveReload" -}}
{{- $rules := .values.rules | default dict }}
{{- if kindIs "bool" $rules.liveReload }}{{ $rules.liveReload }}{{ else if .values.routes.liveReload }}true{{ else }}false{{ end }}
{{- end }}
