package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.FULLNAME;
import static dev.idempotency.gateway.helm.HelmChart.render;
import static dev.idempotency.gateway.helm.Manifests.env;
import static dev.idempotency.gateway.helm.Manifests.secretKeyRef;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The chart's Redis settings: an external node, Sentinel, Cluster, TLS and passwords, or the bundled single node. */
class RedisChartTest {

    @Nested
    class ExternalRedis {

        @Test
        void connectsToOneNodeOverTlsWithThePasswordFromTheExistingSecret() {
            Manifests manifests = render("external-redis");
            Map<String, Object> env = env(manifests.gatewayContainer());
            assertThat(env).containsEntry("IDEMPOTENCY_STORE", "redis")
                .containsEntry("SPRING_DATA_REDIS_HOST", "redis.data.svc.cluster.local")
                .containsEntry("SPRING_DATA_REDIS_PORT", "6380")
                .containsEntry("SPRING_DATA_REDIS_DATABASE", "2")
                .containsEntry("SPRING_DATA_REDIS_USERNAME", "idempotency-gateway")
                .containsEntry("SPRING_DATA_REDIS_SSL_ENABLED", "true")
                .containsEntry("SPRING_DATA_REDIS_SSL_BUNDLE", "redis")
                .containsEntry("SPRING_SSL_BUNDLE_PEM_REDIS_TRUSTSTORE_CERTIFICATE",
                        "file:/etc/idempotency-gateway/redis-ca/ca.crt")
                .containsEntry("SPRING_DATA_REDIS_TIMEOUT", "1s")
                .containsEntry("SPRING_DATA_REDIS_CONNECT_TIMEOUT", "1s");
            assertThat(secretKeyRef(env.get("SPRING_DATA_REDIS_PASSWORD")))
                .isEqualTo(Map.of("name", "orders-redis", "key", "password"));

            Manifest pod = new Manifest(manifests.one("Deployment").map("spec.template.spec"));
            assertThat(pod.map("volumes[name=idempotency-gateway-redis-ca].secret")).isEqualTo(Map.of(
                    "secretName", "orders-redis-ca", "items", List.of(Map.of("key", "ca.pem", "path", "ca.crt"))));
            assertThat(manifests.has("Secret")).as("the chart renders no Secret of its own").isFalse();
            assertThat((Integer) manifests.one("Deployment").at("spec.replicas")).isEqualTo(3);
        }

        @Test
        void findsTheMasterThroughSentinel() {
            Map<String, Object> env = env(render("external-redis-sentinel").gatewayContainer());
            assertThat(env).containsEntry("SPRING_DATA_REDIS_SENTINEL_MASTER", "mymaster")
                .containsEntry("SPRING_DATA_REDIS_SENTINEL_NODES",
                        "redis-sentinel-0.redis-sentinel.data.svc.cluster.local:26379,"
                                + "redis-sentinel-1.redis-sentinel.data.svc.cluster.local:26379,"
                                + "redis-sentinel-2.redis-sentinel.data.svc.cluster.local:26379")
                .doesNotContainKey("SPRING_DATA_REDIS_HOST");
            assertThat(secretKeyRef(env.get("SPRING_DATA_REDIS_SENTINEL_PASSWORD")))
                .isEqualTo(Map.of("name", "orders-redis", "key", "sentinel-password"));
            assertThat(secretKeyRef(env.get("SPRING_DATA_REDIS_PASSWORD")))
                .isEqualTo(Map.of("name", "orders-redis", "key", "redis-password"));
        }

        @Test
        void talksToAClusterWithoutADatabaseIndex() {
            Map<String, Object> env = env(render("external-redis-cluster").gatewayContainer());
            assertThat(env).containsEntry("SPRING_DATA_REDIS_CLUSTER_MAX_REDIRECTS", "5")
                .containsKey("SPRING_DATA_REDIS_CLUSTER_NODES")
                .doesNotContainKeys("SPRING_DATA_REDIS_HOST", "SPRING_DATA_REDIS_DATABASE");
            assertThat(((String) env.get("SPRING_DATA_REDIS_CLUSTER_NODES")).split(",")).hasSize(3);
        }

        @Test
        void putsAnInlinePasswordIntoASecretAndRollsThePodsWhenItChanges() {
            Manifests manifests = render(null, Map.of("redis.external.host", "redis", "redis.external.password", "pw1"));
            Manifest secret = manifests.one("Secret", FULLNAME + "-redis");
            assertThat(secret.<String>at("data.redis-password")).isEqualTo(Base64.getEncoder().encodeToString(
                    "pw1".getBytes(StandardCharsets.UTF_8)));
            assertThat(secretKeyRef(env(manifests.gatewayContainer()).get("SPRING_DATA_REDIS_PASSWORD")))
                .isEqualTo(Map.of("name", FULLNAME + "-redis", "key", "redis-password"));
            assertThat(manifests.one("Deployment").map("spec.template.metadata.annotations"))
                .containsEntry("checksum/redis-password", HelmChart.sha256("pw1"));
        }
    }

    @Nested
    class BundledRedis {

        private final Manifests manifests = render("bundled-redis");

        @Test
        void runsTheOfficialRedisImageAsANonRootSingleNode() {
            Manifest redis = manifests.one("StatefulSet");
            assertThat(redis.name()).isEqualTo(FULLNAME + "-redis");
            assertThat((Integer) redis.at("spec.replicas")).isEqualTo(1);
            Manifest c = new Manifest(redis.map("spec.template.spec.containers[name=redis]"));
            assertThat(c.<String>at("image")).isEqualTo("redis:7.4.2-alpine").doesNotContain("bitnami");
            assertThat(c.list("args")).containsExactly("/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)");
            assertThat(secretKeyRef(env(c.doc()).get("REDIS_PASSWORD")))
                .isEqualTo(Map.of("name", FULLNAME + "-redis", "key", "redis-password"));
            assertThat(redis.<String>at("spec.volumeClaimTemplates[0].spec.resources.requests.storage"))
                .isEqualTo("2Gi");
            String conf = (String) manifests.one("ConfigMap", FULLNAME + "-redis").map("data").get("redis.conf");
            assertThat(conf).contains("maxmemory-policy noeviction").contains("appendonly yes");
            assertThat(manifests.one("Service", FULLNAME + "-redis").map("spec.selector"))
                .isEqualTo(redis.map("spec.selector.matchLabels"));
        }

        @Test
        void pointsTheGatewayAtItWithAGeneratedPasswordFromASecret() {
            Map<String, Object> env = env(manifests.gatewayContainer());
            assertThat(env).containsEntry("IDEMPOTENCY_STORE", "redis")
                .containsEntry("SPRING_DATA_REDIS_HOST", FULLNAME + "-redis")
                .containsEntry("SPRING_DATA_REDIS_PORT", "6379");
            assertThat(secretKeyRef(env.get("SPRING_DATA_REDIS_PASSWORD")))
                .isEqualTo(Map.of("name", FULLNAME + "-redis", "key", "redis-password"));
            Manifest secret = manifests.one("Secret", FULLNAME + "-redis");
            assertThat(Base64.getDecoder().decode(secret.<String>at("data.redis-password"))).hasSize(32);
        }

        @Test
        void separatesTheGatewaysSelectorFromRedisPods() {
            Map<String, Object> gatewaySelector = manifests.one("Service", FULLNAME).map("spec.selector");
            Map<String, Object> redisLabels = manifests.one("StatefulSet").map("spec.template.metadata.labels");
            assertThat(redisLabels).containsEntry("app.kubernetes.io/component", "redis");
            assertThat(gatewaySelector).containsEntry("app.kubernetes.io/component", "gateway");
        }
    }
}
