package dev.idempotency.gateway.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A route picks its identity source with {@code clientIdentity}: the shipped example
 * {@code config/identity/identity-per-route.yml}, a header route and an API-key route side by side.
 */
class PerRouteIdentityTests {

    private static final String PARTNER_KEY = "pk_live_partner_0123456789";

    @TempDir
    static Path dir;

    private static WireMockServer upstream;

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() throws IOException {
        Path keys = Files.writeString(dir.resolve("partner-api-keys"), "acme:" + ApiKeyFile.sha256Hex(PARTNER_KEY) + "\n");
        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"" + UUID.randomUUID() + "\"}")));
        gateway = GatewayInstance.start(List.of("spring.config.additional-location=file:../config/identity/identity-per-route.yml",
                "ORDERS_URI=" + upstream.baseUrl(), "PARTNER_API_KEYS_FILE=" + keys));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
    }

    private static WebTestClient.RequestHeadersSpec<?> order(String path, String key) {
        return gateway.client().post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key).bodyValue("{\"qty\":1}");
    }

    @Test
    void theHeaderRouteTakesTheClientFromTheTrustedHeader() {
        String key = "k-" + UUID.randomUUID();
        order("/orders", key).header("X-Client-Id", "shop").exchange().expectStatus().isCreated();
        order("/orders", key).header("X-Client-Id", "shop").exchange().expectStatus().isCreated()
            .expectHeader().valueEquals("Idempotent-Replayed", "true");
        // An API key means nothing on this route: without X-Client-Id there is no client.
        order("/orders", "k-" + UUID.randomUUID()).header("X-Api-Key", PARTNER_KEY).exchange()
            .expectStatus().isBadRequest();
    }

    @Test
    void thePartnerRouteAuthenticatesWithApiKeysAndIgnoresTheHeader() {
        String key = "k-" + UUID.randomUUID();
        order("/partner-orders", key).header("X-Client-Id", "acme").exchange()
            .expectStatus().isUnauthorized()
            .expectHeader().valueEquals("WWW-Authenticate", "ApiKey realm=\"idempotency-gateway\", header=\"X-Api-Key\"");
        assertThat(upstream.findAll(postRequestedFor(urlPathMatching("/partner-orders.*")))).noneMatch(request ->
                key.equals(request.getHeader("Idempotency-Key")));

        order("/partner-orders", key).header("X-Api-Key", PARTNER_KEY).exchange().expectStatus().isCreated();
        order("/partner-orders", key).header("X-Api-Key", PARTNER_KEY).exchange().expectStatus().isCreated()
            .expectHeader().valueEquals("Idempotent-Replayed", "true");
        // The partner's identity is "acme" from its key: a header claiming "acme" is not it.
        order("/partner-orders", key).header("X-Api-Key", "pk_wrong").header("X-Client-Id", "acme").exchange()
            .expectStatus().isUnauthorized();
    }

    /**
     * docs/security.md: RateLimit takes its own clientIdentity; two filters of one route naming
     * different sources never share an answer; under api-key a request without a key is a 401 from
     * RateLimit, not pooled as anonymous.
     */
    @Test
    void rateLimitAndIdempotencyOnOneRouteEachUseTheirOwnSource() {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("mixed", upstream.baseUrl()).path("/mixed/**")
                .filter("RateLimit", Map.of("clientIdentity", "partners", "clientLimits[0].capacity", 3,
                        "clientLimits[0].refillPeriod", "1h"))
                .filter("Idempotency")
            .properties());
        properties.addAll(List.of("idempotency.client-identities.partners.source=api-key",
                "idempotency.client-identities.partners.api-keys-file=" + dir.resolve("partner-api-keys")));
        try (GatewayInstance mixed = GatewayInstance.start(properties)) {
            String key = "k-" + UUID.randomUUID();
            mixedOrder(mixed, key, "shop").exchange().expectStatus().isCreated()
                .expectHeader().doesNotExist("Idempotent-Replayed");
            // The Idempotency filter scopes by the header: another X-Client-Id is another client.
            mixedOrder(mixed, key, "other").exchange().expectStatus().isCreated()
                .expectHeader().doesNotExist("Idempotent-Replayed");
            mixedOrder(mixed, key, "shop").exchange().expectStatus().isCreated()
                .expectHeader().valueEquals("Idempotent-Replayed", "true");
            // RateLimit counts by the API key: three requests of acme's three, whatever the header said.
            mixedOrder(mixed, "k-" + UUID.randomUUID(), "third").exchange().expectStatus().isEqualTo(429);

            mixed.client().post().uri("/mixed").contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", "k-" + UUID.randomUUID()).header("X-Client-Id", "shop").bodyValue("{\"qty\":1}")
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals("WWW-Authenticate", "ApiKey realm=\"idempotency-gateway\", header=\"X-Api-Key\"");
        }
    }

    private static WebTestClient.RequestHeadersSpec<?> mixedOrder(GatewayInstance gateway, String key, String clientId) {
        return gateway.client().post().uri("/mixed").contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key).header("X-Api-Key", PARTNER_KEY).header("X-Client-Id", clientId)
            .bodyValue("{\"qty\":1}");
    }

    @Test
    void anUnknownSourceStopsStartupNamingTheConfiguredOnes() {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency", Map.of("clientIdentity", "partnrs"))
            .properties());
        properties.add("idempotency.client-identities.partners.source=header");
        assertThatThrownBy(() -> GatewayInstance.start(properties).close())
            .hasMessageContaining("Route 'orders'")
            .hasMessageContaining("clientIdentity 'partnrs' is not configured")
            .hasMessageContaining("configured: partners");
    }
}
