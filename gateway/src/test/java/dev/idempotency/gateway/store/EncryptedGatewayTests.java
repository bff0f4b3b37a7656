package dev.idempotency.gateway.store;

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
        List<String> properties = new ArrayList<>(Routes.create()
            .route("payments", upstream.baseUrl()).path("/payments/**").filter("Idempotency").properties());
        properties.addAll(List.of(redis.storeProperties()));
        properties.add("idempotency.encryption.keys.2026-11=" + Base64.getEncoder().encodeToString(new byte[32]));
        properties.add("idempotency.redis.key-hash-secret=0123456789abcdef0123456789abcdef");
        gateway = GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
        redis.close();
    }

    private static EntityExchangeResult<byte[]> pay(String key) {
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

    @Test
    void anAlteredRecordIsRefusedWithAProblemAndCountedNeverReplayedOrRunAgain() {
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
        assertThat(refused.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
        assertThat(upstream.getAllServeEvents()).as("not executed again").hasSize(executed);
        assertThat(unreadableRecordsCounted() - refusedBefore).isEqualTo(1);
    }

    private static double unreadableRecordsCounted() {
        Timer timer = gateway.context().getBean(MeterRegistry.class).find("idempotency.store")
            .tags("operation", "begin", "outcome", "error", "error", UnreadableRecordException.class.getSimpleName())
            .timer();
        return timer == null ? 0 : timer.count();
    }
}
