package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.renderError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad values fail the install with a message that names the value: types and enums through
 * values.schema.json, cross-field rules the schema cannot express through the templates' checks.
 */
class ValuesValidationTest {

    static Stream<Arguments> schemaRejects() {
        return Stream.of(
                Arguments.of(Map.of("replicaCount", "three"), "/replicaCount"),
                Arguments.of(Map.of("replicaCount", -1), "/replicaCount"),
                Arguments.of(Map.of("mode", "daemonset"), "/mode"),
                Arguments.of(Map.of("store", "etcd"), "/store"),
                Arguments.of(Map.of("replicas", 3), "additional properties 'replicas' not allowed"),
                Arguments.of(Map.of("image.pullPolicy", "Sometimes"), "/image/pullPolicy"),
                Arguments.of(Map.of("image.digest", "latest"), "/image/digest"),
                Arguments.of(Map.of("containerPorts.http", 70000), "/containerPorts/http"),
                Arguments.of(Map.of("service.type", "Ingress"), "/service/type"),
                Arguments.of(Map.of("autoscaling.enabled", "yes"), "/autoscaling/enabled"),
                Arguments.of(Map.of("podDisruptionBudget.minAvailable", 1, "podDisruptionBudget.maxUnavailable", 1),
                        "/podDisruptionBudget"),
                Arguments.of(Map.of("podDisruptionBudget.maxUnavailable", "half"), "/podDisruptionBudget/maxUnavailable"),
                Arguments.of(Map.of("redis.external.port", "six"), "/redis/external/port"),
                Arguments.of(Map.of("redis.timeout", "soon"), "/redis/timeout"),
                Arguments.of(Map.of("redis.external.password", "pw", "redis.external.existingSecret", "s"),
                        "/redis/external"),
                Arguments.of(Map.of("metrics.serviceMonitor.interval", "often"), "/metrics/serviceMonitor/interval"),
                Arguments.of(Map.of("jvm.maxRAMPercentage", 100), "/jvm/maxRAMPercentage"),
                Arguments.of(Map.of("jvm.trimNativeHeapIntervalMillis", -1), "/jvm/trimNativeHeapIntervalMillis"),
                Arguments.of(Map.of("jvm.mallocArenaMax", 0), "/jvm/mallocArenaMax"),
                Arguments.of(Map.of("jvm.activeProcessorCount", 0), "/jvm/activeProcessorCount"),
                Arguments.of(Map.of("jvm.activeProcessorCount", "all"), "/jvm/activeProcessorCount"),
                Arguments.of(Map.of("jvm.mallocArenaMax", "two"), "/jvm/mallocArenaMax"),
                Arguments.of(Map.of("lifecycle.preStopSleepSeconds", "5s"), "/lifecycle/preStopSleepSeconds"),
                Arguments.of(Map.of("upstream.url", "orders:8080"), "/upstream/url"),
                Arguments.of(Map.of("secrets.encryption.activeKey", "Key-1"), "/secrets/encryption/activeKey"),
                Arguments.of(Map.of("secrets.encryption.keys.k1", "not base64!"), "/secrets/encryption/keys/k1"),
                Arguments.of(Map.of("secrets.adminToken", "short"), "/secrets/adminToken"),
                Arguments.of(Map.of("identity.default.source", "cookie"), "/identity/default/source"),
                Arguments.of(Map.of("metrics.prometheusRule.outcomeUnknownRatio", 2), "/metrics/prometheusRule/outcomeUnknownRatio"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void schemaRejects(Map<String, ?> sets, String where) {
        assertThat(renderError(sets)).isNotNull()
            .contains("values don't meet the specifications of the schema")
            .contains(where);
    }

    static Stream<Arguments> schemaRejectsShapes() {
        return Stream.of(
                Arguments.of("""
                        redis:
                          external:
                            sentinel: {master: m, nodes: ["s:26379"]}
                            cluster: {nodes: ["c:6379"]}
                        """, "/redis/external"),
                Arguments.of("""
                        redis:
                          external:
                            sentinel: {master: m, nodes: ["sentinel-without-port"]}
                        """, "/redis/external/sentinel/nodes/0"),
                Arguments.of("""
                        routes:
                          rules:
                            - id: orders
                              uri: http://orders:8080
                        """, "/routes/rules/0"),
                Arguments.of("""
                        routes:
                          rules:
                            - id: orders
                              uri: orders:8080
                              predicates: [Path=/**]
                        """, "/routes/rules/0/uri"),
                Arguments.of("""
                        extraEnv:
                          - value: no-name
                        """, "/extraEnv/0"),
                Arguments.of("""
                        extraVolumeMounts:
                          - name: certs
                        """, "/extraVolumeMounts/0"),
                Arguments.of("""
                        podLabels:
                          team: 42
                        """, "/podLabels/team"));
    }

    @ParameterizedTest
    @MethodSource
    void schemaRejectsShapes(String values, String where) {
        assertThat(renderError(values)).isNotNull()
            .contains("values don't meet the specifications of the schema")
            .contains(where);
    }

    static Stream<Arguments> templatesReject() {
        return Stream.of(
                Arguments.of(Map.of("replicaCount", 3), "store is memory but there is more than one replica"),
                Arguments.of(Map.of("store", "redis"), "store is redis but no Redis is configured"),
                Arguments.of(Map.of("store", "memory", "redis.bundled.enabled", true),
                        "store is memory but a Redis is configured"),
                Arguments.of(Map.of("redis.bundled.enabled", true, "redis.external.host", "redis"),
                        "choose one Redis"),
                Arguments.of(Map.of("redis.external.sentinel.nodes[0]", "s:26379"),
                        "needs redis.external.sentinel.master"),
                Arguments.of(Map.of("redis.external.host", "redis", "redis.external.sentinel.passwordKey", "k"),
                        "needs redis.external.existingSecret"),
                Arguments.of(Map.of("mode", "sidecar"), "clashes with the gateway's containerPorts"),
                Arguments.of(Map.of("containerPorts.management", 8080), "must differ"),
                Arguments.of(Map.of("terminationGracePeriodSeconds", 10), "in-flight requests would be killed"),
                Arguments.of(Map.of("redis.bundled.enabled", true, "autoscaling.enabled", true,
                        "autoscaling.minReplicas", 5, "autoscaling.maxReplicas", 2), "minReplicas is greater"),
                Arguments.of(Map.of("upstream.url", ""), "has no uri and upstream.url is empty"),
                Arguments.of(Map.of("resources.requests.memory", "lots"), "cannot read the memory quantity \"lots\""),
                Arguments.of(Map.of("secrets.existingSecret", "s", "secrets.adminToken", "a".repeat(16)),
                        "secrets.existingSecret is set together with inline secrets.* values"),
                Arguments.of(Map.of("secrets.encryption.keys.k1", K1, "secrets.encryption.activeKey", "k2"),
                        "secrets.encryption.activeKey \"k2\" is not one of the keys given (k1)"),
                Arguments.of(Map.of("secrets.encryption.keys.k1", K1), "no activeKey"),
                Arguments.of(Map.of("secrets.encryption.keyIds[0]", "k1", "secrets.encryption.activeKey", "k1"),
                        "secrets.existingSecret, which is empty"),
                Arguments.of(Map.of("config.idempotency.admin.token", "a".repeat(16)),
                        "config.idempotency.admin.token would put a secret into the rules ConfigMap"),
                Arguments.of(Map.of("config.idempotency.encryption.keys.k1", K1),
                        "config.idempotency.encryption.keys would put a secret into the rules ConfigMap"),
                Arguments.of(Map.of("routes.existingConfigMap", "rules", "identity.default.source", "jwt"),
                        "identity.* is rendered into the chart's rules file"),
                Arguments.of(Map.of("httpRoute.enabled", true), "httpRoute.enabled needs httpRoute.parentRefs"));
    }

    private static final String K1 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void templatesReject(Map<String, ?> sets, String message) {
        assertThat(renderError(sets)).isNotNull().contains(message);
    }
}
