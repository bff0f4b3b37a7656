package dev.idempotency.gateway.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.core.UnreadableRecordException;
import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/** The gateway configured from properties seals what it stores and names it by keyed digests. */
@ExtendWith(OutputCaptureExtension.class)
class EncryptedGatewayTests {

    private static RedisServer redis;

    private static WireMockServer upstream;

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() {
        redis = RedisServer.launch();
        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"iban\":\"DE44500105175407324931\"}")));
        gateway = startWith("idempotency.encryption.keys.2026-11=" + Base64.getEncoder().encodeToString(new byte[32]));
    }

    /** A gateway on the shared Redis and upstream, with the given encryption (and other) properties. */
    private static GatewayInstance startWith(String... encryption) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("payments", upstream.baseUrl()).path("/payments/**").filter("Idempotency").properties());
        properties.addAll(List.of(redis.storeProperties()));
        properties.addAll(List.of(encryption));
        properties.add("idempotency.redis.key-hash-secret=0123456789abcdef0123456789abcdef");
        return GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
        redis.close();
    }

    private static EntityExchangeResult<byte[]> pay(String key) {
        return pay(gateway, key);
    }

    private static EntityExchangeResult<byte[]> pay(GatewayInstance gateway, String key) {
        return gateway.client().post().uri("/payments").contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key).header("X-Client-Id", "merchant-7").bodyValue("{\"amount\":100}")
            .exchange().expectBody().returnResult();
    }

    @Test
    void replaysFromSealedRecordsThatShowNothingInRedis() {
        String key = "pay-" + UUID.randomUUID();
        EntityExchangeResult<byte[]> first = pay(key);
        EntityExchangeResult<byte[]> replay = pay(key);
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.getResponseBody()).isEqualTo(first.getResponseBody());

        String names = redis.command("KEYS", "idem:*");
        assertThat(names).doesNotContain(key).doesNotContain("merchant-7");
        String recordName = names.lines().filter(line -> line.startsWith("idem:")).findFirst().orElseThrow();
        assertThat(redis.command("GET", recordName)).doesNotContain("DE44").doesNotContain("iban").contains("2026-11");
    }

    /**
     * The rotation docs/operations.md gives ("Rotating secrets", encryption key): during each
     * rolling update old and new pods run side by side on one Redis, and every pod must open what
     * any other pod sealed.
     */
    @Test
    void theDocumentedThreeStepRotationKeepsEveryRecordReplayableAcrossPodGenerations() {
        // Records under a prefix of their own, out of the way of the other test's KEYS idem:*.
        String prefix = "idempotency.redis.key-prefix=rotation:";
        String k2026a = "idempotency.encryption.keys.k2026a=" + Base64.getEncoder().encodeToString(new byte[32]);
        String k2026b = "idempotency.encryption.keys.k2026b=" + Base64.getEncoder().encodeToString(
                "0123456789abcdef0123456789abcdef".getBytes());
        try (GatewayInstance before = startWith(prefix, k2026a);
                GatewayInstance added = startWith(prefix, k2026a, k2026b, "idempotency.encryption.active-key=k2026a");
                GatewayInstance activated = startWith(prefix, k2026a, k2026b, "idempotency.encryption.active-key=k2026b")) {
            String sealedWithA = "pay-" + UUID.randomUUID();
            EntityExchangeResult<byte[]> original = pay(before, sealedWithA);
            // Step 1 (add): pods that know both keys open what the old pods sealed.
            assertReplayed(pay(added, sealedWithA), original);
            // Step 2 (activate): new records are sealed with k2026b; pods still at step 1 open them,
            // and the newly active pods still open what was sealed with k2026a.
            String sealedWithB = "pay-" + UUID.randomUUID();
            EntityExchangeResult<byte[]> newer = pay(activated, sealedWithB);
            assertReplayed(pay(added, sealedWithB), newer);
            assertReplayed(pay(activated, sealedWithA), original);
            String recordNames = redis.command("KEYS", "rotation:*");
            assertThat(recordNames.lines().filter(name -> name.startsWith("rotation:"))
                .map(name -> redis.command("GET", name))).anyMatch(record -> record.contains("k2026b"));
        }
    }

    private static void assertReplayed(EntityExchangeResult<byte[]> replay, EntityExchangeResult<byte[]> original) {
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.getResponseBody()).isEqualTo(original.getResponseBody());
    }

    @Test
    void anAlteredRecordIsRefusedWithAProblemAndCountedNeverReplayedOrRunAgain(CapturedOutput output) {
        redis.command("FLUSHALL");
        String key = "pay-" + UUID.randomUUID();
        pay(key);
        String recordName = redis.command("KEYS", "idem:*").lines().filter(line -> line.startsWith("idem:")).findFirst()
            .orElseThrow();
        int executed = upstream.getAllServeEvents().size();
        double refusedBefore = unreadableRecordsCounted();
        // One ciphertext byte changed, as a disk error or someone with write access to Redis would.
        redis.command("EVAL", "local v = redis.call('GET', KEYS[1]); local i = #v - 20; "
                + "return redis.call('SET', KEYS[1], string.sub(v, 1, i - 1) .. string.char((string.byte(v, i) + 1) % 256) "
                + ".. string.sub(v, i + 1), 'KEEPTTL')", "1", recordName);

        EntityExchangeResult<byte[]> refused = pay(key);
        assertThat(refused.getStatus().value()).isEqualTo(500);
        assertThat(refused.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(new String(refused.getResponseBody(), StandardCharsets.UTF_8))
            .contains("\"type\":\"https://idempotency-gateway.dev/problems/gateway-error\"");
        assertThat(refused.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
        assertThat(upstream.getAllServeEvents()).as("not executed again").hasSize(executed);
        assertThat(unreadableRecordsCounted() - refusedBefore).isEqualTo(1);
        // docs/security.md: the log names the cause.
        assertThat(output.toString()).contains("UnreadableRecordException").contains("failed authentication: tampered, truncated");
    }

    private static double unreadableRecordsCounted() {
        Timer timer = gateway.context().getBean(MeterRegistry.class).find("idempotency.store")
            .tags("operation", "begin", "outcome", "error", "error", UnreadableRecordException.class.getSimpleName())
            .timer();
        return timer == null ? 0 : timer.count();
    }
}
