package dev.idempotency.gateway.web;

import java.util.List;

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
 * {@code Proxy-Status} (RFC 9209) is end to end and replayed with the response; every other
 * {@code Proxy-*} field is hop by hop and never stored, so never replayed (docs/http.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyHeadersTests {

    WireMockServer upstream;

    GatewayInstance gateway;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json")
            .withHeader("Proxy-Status", "legacy-lb; received-status=201")
            .withHeader("Proxy-Foo", "bar")
            .withHeader("Proxy-Connection", "keep-alive")
            .withHeader("Proxy-Authenticate", "Basic realm=\"legacy\"")
            .withBody("{\"orderId\":\"7\"}")));
        this.gateway = GatewayInstance.start(Routes.create().route("orders", this.upstream.baseUrl()).path("/orders/**")
            .filter("Idempotency").properties());
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
    }

    @Test
    void proxyStatusIsReplayedAndNoOtherProxyField() {
        HttpHeaders first = send();
        HttpHeaders replay = send();

        assertThat(replay.getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.getFirst("Proxy-Status")).isEqualTo("legacy-lb; received-status=201");
        assertThat(replay.getFirst("Proxy-Status")).isEqualTo("legacy-lb; received-status=201");
        assertThat(replay.headerNames()).noneMatch(name -> name.regionMatches(true, 0, "proxy-", 0, 6)
                && !name.equalsIgnoreCase("Proxy-Status"));
    }

    private HttpHeaders send() {
        return this.gateway.client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", "proxy-1").header("X-Client-Id", "shop-1").bodyValue("{}")
            .exchange()
            .expectStatus().isCreated()
            .returnResult(String.class).getResponseHeaders();
    }
}
