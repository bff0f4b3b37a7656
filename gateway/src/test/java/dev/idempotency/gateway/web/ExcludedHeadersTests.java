package dev.idempotency.gateway.web;

import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The route argument {@code excludedHeaders} (docs/rules.md, docs/http.md): the headers it names are
 * never stored, so a replay lacks them, whatever their case; the fresh response still carries them,
 * and a route without the argument replays them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExcludedHeadersTests {

    WireMockServer upstream;

    GatewayInstance gateway;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json")
            .withHeader("X-Upstream-Node", "legacy-3")
            .withHeader("X-Debug-Trace", "abc")
            .withHeader("Location", "/orders/7")
            .withBody("{\"orderId\":\"7\"}")));
        this.gateway = GatewayInstance.start(Routes.create()
            .route("excluding", this.upstream.baseUrl()).path("/excluding/**")
                .filter("Idempotency", Map.of("excludedHeaders", "x-upstream-node, X-DEBUG-TRACE"))
            .route("keeping", this.upstream.baseUrl()).path("/keeping/**").filter("Idempotency")
            .properties());
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
    }

    @Test
    void theNamedHeadersReachTheFirstClientButAreNeverReplayed() {
        HttpHeaders first = send("/excluding/orders");
        HttpHeaders replay = send("/excluding/orders");

        assertThat(first.getFirst("X-Upstream-Node")).isEqualTo("legacy-3");
        assertThat(first.getFirst("X-Debug-Trace")).isEqualTo("abc");
        assertThat(replay.getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.containsHeader("X-Upstream-Node")).isFalse();
        assertThat(replay.containsHeader("X-Debug-Trace")).isFalse();
        assertThat(replay.getFirst("Location")).isEqualTo("/orders/7");
    }

    @Test
    void aRouteWithoutTheArgumentReplaysThem() {
        send("/keeping/orders");
        HttpHeaders replay = send("/keeping/orders");

        assertThat(replay.getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.getFirst("X-Upstream-Node")).isEqualTo("legacy-3");
        assertThat(replay.getFirst("X-Debug-Trace")).isEqualTo("abc");
    }

    private HttpHeaders send(String path) {
        return this.gateway.client().post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", "excluded-1").header("X-Client-Id", "shop-1").bodyValue("{}")
            .exchange()
            .expectStatus().isCreated()
            .returnResult(String.class).getResponseHeaders();
    }
}
