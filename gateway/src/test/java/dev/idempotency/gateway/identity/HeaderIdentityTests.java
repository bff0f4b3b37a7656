package dev.idempotency.gateway.identity;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

import dev.idempotency.gateway.testsupport.GatewayInstance;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;

/** The trusted header, believed only from the proxy's networks (here: loopback, where the tests run). */
class HeaderIdentityTests extends ClientIsolationContract {

    /** Trusts only 10.0.0.0/8, so not the tests on loopback. */
    GatewayInstance onlyProxies;

    @Override
    List<String> gatewayProperties(String upstreamUri) {
        return exampleConfiguration("identity-header.yml", upstreamUri, "TRUSTED_PROXY_NETWORKS=127.0.0.0/8,::1/128");
    }

    @BeforeAll
    void startOnlyProxies() {
        this.onlyProxies = GatewayInstance.start(exampleConfiguration("identity-header.yml",
                this.fixture.upstream().baseUrl(), "TRUSTED_PROXY_NETWORKS=10.0.0.0/8"));
    }

    // Not closed mid-class: closing one context disposes Reactor Netty's shared event loops.
    @AfterAll
    void stopOnlyProxies() {
        this.onlyProxies.close();
    }

    @Override
    void authenticateAs(String client, HttpHeaders headers) {
        headers.set("X-Client-Id", client);
    }

    @Test
    void theHeaderFromAnUntrustedNetworkIsIgnored() {
        this.onlyProxies.client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", "a")
            // Written by the sender itself: proves nothing about where the request came from.
            .header("X-Forwarded-For", "10.1.2.3")
            .header("Forwarded", "for=10.1.2.3")
            .header("Idempotency-Key", newKey())
            .bodyValue(BODY_A)
            .exchange()
            .expectStatus().isBadRequest()
            .expectBody().jsonPath("$.type").isEqualTo("https://idempotency-gateway.dev/problems/client-identity-missing");
        this.fixture.upstream().verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void oversizedHeadersAreRefusedByTheServerItself() {
        // Reactor Netty's limit (server.max-http-request-header-size, 8 KB by default) covers every
        // header, so an identity or token cannot be used to ship megabytes past the gateway.
        this.fixture.gateway().client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", "a".repeat(9000))
            .header("Idempotency-Key", newKey())
            .bodyValue(BODY_A)
            .exchange()
            .expectStatus().isEqualTo(431);
        this.fixture.upstream().verify(0, postRequestedFor(anyUrl()));
    }
}
