package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.FULLNAME;
import static dev.idempotency.gateway.helm.HelmChart.render;
import static dev.idempotency.gateway.helm.Manifests.env;
import static dev.idempotency.gateway.helm.Manifests.secretKeyRef;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;


import dev.idempotency.gateway.ops.audit.AuditProperties;
import dev.idempotency.gateway.store.redis.RedisStoreProperties;

/**
 * The gateway's secrets (admin token, key-hash and audit hash secrets, encryption keys, Redis
 * password): from one existing Secret or chart-made ones, into the pod only as secretKeyRefs, and
 * bound by the real gateway under the names it reads.
 */
class SecretsChartTest {

    static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";

    static final String K2026A = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    static final String K2026B = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    @Nested
    class ChartMade {

        private final Manifests manifests = render("secrets");

        @Test
        void keepsEverySecretInTheChartsSecretAndReferencesItFromThePod() {
            Manifest secret = manifests.one("Secret", FULLNAME + "-secrets");
            assertThat(decoded(secret)).containsEntry("admin-token", ADMIN_TOKEN)
                .containsEntry("key-hash-secret", "key-hash-secret-0123456789")
                .containsEntry("audit-hash-secret", "audit-hash-secret-0123456789")
                .containsEntry("encryption-key-k2026a", K2026A)
                .containsEntry("encryption-key-k2026b", K2026B);

            Map<String, Object> env = env(manifests.gatewayContainer());
            Map<String, String> references = new LinkedHashMap<>();
            for (String name : List.of("IDEMPOTENCY_ADMIN_TOKEN", "IDEMPOTENCY_REDIS_KEYHASHSECRET",
                    "IDEMPOTENCY_AUDIT_HASHSECRET", "IDEMPOTENCY_ENCRYPTION_KEYS_K2026A", "IDEMPOTENCY_ENCRYPTION_KEYS_K2026B")) {
                Map<String, Object> ref = secretKeyRef(env.get(name));
                assertThat(ref).as(name).containsEntry("name", FULLNAME + "-secrets").doesNotContainKey("optional");
                references.put(name, (String) ref.get("key"));
            }
            assertThat(references.values()).containsExactly("admin-token", "key-hash-secret", "audit-hash-secret",
                    "encryption-key-k2026a", "encryption-key-k2026b");
            // The active key's id is no secret; the keys are.
            assertThat(env).containsEntry("IDEMPOTENCY_ENCRYPTION_ACTIVEKEY", "k2026b");
            assertThat(secretKeyRef(env.get("SPRING_DATA_REDIS_PASSWORD"))).containsEntry("name", FULLNAME + "-redis");
        }

        @Test
        void rollsThePodsWhenAChartMadeSecretChanges() {
            String before = manifests.one("Deployment").at("spec.template.metadata.annotations.checksum/secrets");
            String after = render("secrets", Map.of("secrets.adminToken", "another-admin-token-0123"))
                .one("Deployment").at("spec.template.metadata.annotations.checksum/secrets");
            assertThat(before).isNotBlank().isNotEqualTo(after);
        }

        @Test
        void rendersNoSecretAndNoReferenceWhenNoSecretIsGiven() {
            Manifests defaults = render(null);
            assertThat(defaults.ofKind("Secret")).isEmpty();
            assertThat(env(defaults.gatewayContainer())).doesNotContainKeys("IDEMPOTENCY_ADMIN_TOKEN",
                    "IDEMPOTENCY_REDIS_KEYHASHSECRET", "IDEMPOTENCY_AUDIT_HASHSECRET", "IDEMPOTENCY_ENCRYPTION_ACTIVEKEY");
        }
    }

    @Nested
    class FromOneExistingSecret {

        private final Manifests manifests = render("existing-secret");

        @Test
        void readsEverySecretFromItAndRendersNone() {
            assertThat(manifests.ofKind("Secret")).isEmpty();
            Map<String, Object> env = env(manifests.gatewayContainer());
            Map<String, String> keys = new LinkedHashMap<>();
            for (String name : List.of("IDEMPOTENCY_ADMIN_TOKEN", "IDEMPOTENCY_REDIS_KEYHASHSECRET",
                    "IDEMPOTENCY_AUDIT_HASHSECRET", "SPRING_DATA_REDIS_PASSWORD")) {
                Map<String, Object> ref = secretKeyRef(env.get(name));
                // Optional: a key the Secret lacks leaves its feature off instead of failing the pod.
                assertThat(ref).as(name).containsEntry("name", "orders-gateway-secrets").containsEntry("optional", true);
                keys.put(name, (String) ref.get("key"));
            }
            assertThat(keys.values()).containsExactly("admin-token", "key-hash-secret", "audit-hash-secret", "redis-password");
            for (String id : List.of("k2026a", "k2026b")) {
                assertThat(secretKeyRef(env.get("IDEMPOTENCY_ENCRYPTION_KEYS_" + id.toUpperCase())))
                    .containsEntry("name", "orders-gateway-secrets")
                    .containsEntry("key", "encryption-key-" + id)
                    .doesNotContainKey("optional");
            }
            assertThat(env).containsEntry("IDEMPOTENCY_ENCRYPTION_ACTIVEKEY", "k2026b");
        }

        @Test
        void anExplicitRedisSecretStillWinsForThePassword() {
            Map<String, Object> env = env(render("existing-secret", Map.of("redis.external.existingSecret", "orders-redis"))
                .gatewayContainer());
            assertThat(secretKeyRef(env.get("SPRING_DATA_REDIS_PASSWORD"))).containsEntry("name", "orders-redis")
                .doesNotContainKey("optional");
        }
    }

    /** The negative test: no secret value anywhere but in a Secret, in any scenario, NOTES included. */
    @Nested
    class NeverOutsideASecret {

        @ParameterizedTest
        @MethodSource("dev.idempotency.gateway.helm.GatewayChartTest#scenarios")
        void secretValuesAppearOnlyInSecretsAndSecretEnvOnlyAsReferences(String scenario) {
            Manifests manifests = render(scenario);
            List<String> secretValues = secretValues(manifests);
            for (Manifest m : manifests.all()) {
                if (!m.kind().equals("Secret")) {
                    String text = String.valueOf(m.doc());
                    assertThat(secretValues).as(m.kind() + "/" + m.name()).noneMatch(text::contains);
                }
            }
            for (Manifest d : manifests.ofKind("Deployment")) {
                for (Object container : d.list("spec.template.spec.containers")) {
                    Map<String, Object> env = env(new Manifest(castMap(container)).doc());
                    assertThat(env.keySet()).filteredOn(name -> name.matches(".*(PASSWORD|TOKEN|SECRET|ENCRYPTION_KEYS).*"))
                        .allSatisfy(name -> assertThat(env.get(name)).as(name).isInstanceOf(Map.class));
                }
            }
        }

        @Test
        void theNotesNameTheSecretButNeverAValue() {
            String notes = HelmChart.notes("secrets", Map.of());

            assertThat(notes).contains("Secrets: read from Secret " + FULLNAME + "-secrets");
            assertThat(secretValues(render("secrets"))).isNotEmpty().noneMatch(notes::contains);
        }

        @Test
        void secretsInConfigFailTheRenderInsteadOfLandingInTheConfigMap() {
            assertThat(HelmChart.renderError(Map.of("config.idempotency.redis.key-hash-secret", "k".repeat(16))))
                .contains("would put a secret into the rules ConfigMap");
            assertThat(HelmChart.renderError(Map.of("config.idempotency.audit.hash-secret", "k".repeat(16))))
                .contains("would put a secret into the rules ConfigMap");
        }

        private static List<String> secretValues(Manifests manifests) {
            return manifests.ofKind("Secret").stream().flatMap(s -> decoded(s).values().stream()).toList();
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> castMap(Object o) {
            return (Map<String, Object>) o;
        }
    }

    /** The rendered environment, resolved from the rendered Secret, configures the real gateway. */
    @Nested
    class InTheRealGateway {

        @Test
        void theGatewayBindsEverySecretUnderTheNamesItReads(@TempDir Path work) {
            // The memory store: no Redis here; the Redis password's reference is covered above.
            Manifests manifests = render("secrets", Map.of("redis.external.host", "", "redis.external.password", ""));
            try (RenderedGateway gateway = RenderedGateway.start(manifests, work)) {
                RedisStoreProperties properties = gateway.context().getBean(RedisStoreProperties.class);
                assertThat(properties.getEncryption().getKeys()).containsExactlyInAnyOrderEntriesOf(
                        Map.of("k2026a", K2026A, "k2026b", K2026B));
                assertThat(properties.getEncryption().getActiveKey()).isEqualTo("k2026b");
                assertThat(properties.getRedis().getKeyHashSecret()).isEqualTo("key-hash-secret-0123456789");
                assertThat(gateway.context().getBean(AuditProperties.class).getHashSecret())
                    .isEqualTo("audit-hash-secret-0123456789");

                String inspect = gateway.managementUrl("/actuator/idempotency?route=orders&client=c&key=k-1");
                assertThat(RenderedGateway.send(HttpRequest.newBuilder(URI.create(inspect))
                    .header("Authorization", "Bearer " + ADMIN_TOKEN)).statusCode()).isEqualTo(404);
                assertThat(RenderedGateway.send(HttpRequest.newBuilder(URI.create(inspect))
                    .header("Authorization", "Bearer wrong-token-0123456789")).statusCode()).isEqualTo(401);
            }
        }

        @Test
        void theGatewayReadsAnExistingSecretsKeysAndStartsWithoutTheOptionalOnes(@TempDir Path work) {
            Manifests manifests = render("existing-secret", Map.of("redis.external.host", "", "replicaCount", 1));
            Map<String, String> secret = Map.of("encryption-key-k2026a", K2026A, "encryption-key-k2026b", K2026B,
                    "admin-token", ADMIN_TOKEN);
            try (RenderedGateway gateway = RenderedGateway.start(manifests, work, Map.of("orders-gateway-secrets", secret))) {
                RedisStoreProperties properties = gateway.context().getBean(RedisStoreProperties.class);
                assertThat(properties.getEncryption().getKeys()).containsOnlyKeys("k2026a", "k2026b");
                assertThat(properties.getRedis().getKeyHashSecret()).isNull();
                assertThat(gateway.env()).doesNotContainKeys("IDEMPOTENCY_REDIS_KEYHASHSECRET", "IDEMPOTENCY_AUDIT_HASHSECRET");
            }
        }
    }

    static Map<String, String> decoded(Manifest secret) {
        Map<String, String> data = new LinkedHashMap<>();
        secret.<Map<String, String>>at("data")
            .forEach((key, value) -> data.put(key, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
        return data;
    }
}
