package dev.idempotency.gateway.selftest;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The self-test route `helm test` uses: through the real Idempotency filter to the gateway's own
 * echo upstream, on a random port (server.port=0), next to rules that route everything elsewhere.
 */
class SelfTestRouteTests {

    static GatewayInstance gateway;

    @BeforeAll
    static void start() {
        // A rule on /** to an upstream that does not exist: the self-test route must come first.
        gateway = GatewayInstance.start(List.of("idempotency.self-test.enabled=true",
                "spring.cloud.gateway.server.webflux.routes[0].id=everything",
                "spring.cloud.gateway.server.webflux.routes[0].uri=http://127.0.0.1:9",
                "spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/**"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    EntityExchangeResult<byte[]> post(String key, String body) {
        return gateway.client().post().uri(SelfTestConfiguration.PATH)
            .header("Idempotency-Key", key)
            .header("X-Client-Id", "self-test")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectBody()
            .returnResult();
    }

    @Test
    void executesOnceReplaysByteForByteAndRefusesAReusedKey() {
        String key = UUID.randomUUID().toString();

        EntityExchangeResult<byte[]> first = post(key, "{\"n\":1}");
        EntityExchangeResult<byte[]> second = post(key, "{\"n\":1}");
        EntityExchangeResult<byte[]> changed = post(key, "{\"n\":2}");

        assertThat(first.getStatus().value()).isEqualTo(201);
        assertThat(first.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
        assertThat(second.getStatus().value()).isEqualTo(201);
        assertThat(second.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(second.getResponseBody()).isEqualTo(first.getResponseBody());
        assertThat(changed.getStatus().value()).isEqualTo(422);
    }

    @Test
    void eachExecutionAnswersAFreshIdSoASecondExecutionWouldShow() {
        String first = new String(post(UUID.randomUUID().toString(), "{}").getResponseBody());
        String second = new String(post(UUID.randomUUID().toString(), "{}").getResponseBody());
        assertThat(first).contains("\"execution\":").isNotEqualTo(second);
    }

    @Test
    void isAbsentUnlessEnabled() {
        try (GatewayInstance plain = GatewayInstance.start(List.of())) {
            assertThat(plain.context().containsBean("selfTestRoute")).isFalse();
            assertThat(plain.client().post().uri(SelfTestConfiguration.PATH).header("Idempotency-Key", "k-1")
                .header("X-Client-Id", "self-test").bodyValue("{}").exchange().expectBody().returnResult()
                .getStatus().value()).isEqualTo(404);
        }
    }
}
