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
 * Which response headers a replay carries (docs/http.md): {@code Proxy-Status} (RFC 9209) is end to
 * end and replayed; every other {@code Proxy-*} field is hop by hop and never stored; the headers a
 * route's {@code excludedHeaders} names reach the first client but are never stored, whatever their
 * case; every other header is replayed as the upstream sent it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayedHeadersTests {

    WireMockServer upstream;

    GatewayInstance gateway;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json")
            .withHeader("Location", "/orders/7")
            .withHeader("Proxy-Status", "legacy-lb; received-status=201")
            .withHeader("Proxy-Foo", "bar")
            .withHeader("Proxy-Connection", "keep-alive")
            .withHeader("Proxy-Authenticate", "Basic realm=\"legacy\"")
            .withHeader("X-Upstream-Node", "legacy-3")
            .withHeader("X-Debug-Trace", "abc")
            .withBody("{\"orderId\":\"7\"}")));
        this.gateway = GatewayInstance.start(Routes.create()
            .route("orders", this.upstream.baseUrl()).path("/orders/**").filter("Idempotency")
            .route("excluding", this.upstream.baseUrl()).path("/excluding/**")
                .filter("Idempotency", Map.of("excludedHeaders", "x-upstream-node, X-DEBUG-TRACE"))
            .properties());
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
    }

    @Test
    void proxyStatusIsReplayedAndNoOtherProxyField() {
        HttpHeaders first = send("/orders/proxy");
        HttpHeaders replay = send("/orders/proxy");

        assertThat(replay.getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.getFirst("Proxy-Status")).isEqualTo("legacy-lb; received-status=201");
        assertThat(replay.getFirst("Proxy-Status")).isEqualTo("legacy-lb; received-status=201");
        assertThat(replay.headerNames()).noneMatch(name -> name.regionMatches(true, 0, "proxy-", 0, 6)
                && !name.equalsIgnoreCase("Proxy-Status"));
    }

    @Test
    void excludedHeadersReachTheFirstClientButAreNeverReplayed() {
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
    void aRouteWithoutExcludedHeadersReplaysThem() {
        send("/orders/plain");
        HttpHeaders replay = send("/orders/plain");

        assertThat(replay.getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.getFirst("X-Upstream-Node")).isEqualTo("legacy-3");
        assertThat(replay.getFirst("X-Debug-Trace")).isEqualTo("abc");
    }

    /** One key per path: each test replays its own first request. */
    private HttpHeaders send(String path) {
        return this.gateway.client().post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", "replayed-headers-" + path.hashCode()).header("X-Client-Id", "shop-1").bodyValue("{}")
            .exchange()
            .expectStatus().isCreated()
            .returnResult(String.class).getResponseHeaders();
    }
}
