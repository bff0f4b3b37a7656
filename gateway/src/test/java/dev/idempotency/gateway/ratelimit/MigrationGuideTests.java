package dev.idempotency.gateway.ratelimit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The migrated rule of docs/migrating-from-request-rate-limiter.md, taken from the page as written,
 * loaded through the rules location into a running gateway: it answers as the page says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrationGuideTests {

    static final Path GUIDE = Path.of("../docs/migrating-from-request-rate-limiter.md");

    WireMockServer upstream;

    GatewayInstance gateway;

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{}")));
        Path rules = Files.writeString(dir.resolve("orders.yml"), migratedRule());
        this.gateway = GatewayInstance.start(List.of("idempotency.rules.location=" + rules,
                "ORDERS_URI=" + this.upstream.baseUrl()));
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
    }

    @Test
    void oneRequestAMinutePerClientAsThePageSays() {
        order("shop-1").expectStatus().isCreated().expectHeader().valueEquals("X-RateLimit-Burst-Capacity", "1");
        order("shop-1").expectStatus().isEqualTo(429)
            .expectHeader().value("Retry-After", seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 60))
            .expectBody().jsonPath("$.type").isEqualTo("https://idempotency-gateway.dev/problems/rate-limited");
        order("shop-2").expectStatus().isCreated();
        this.gateway.client().post().uri("/orders").bodyValue("{}").exchange()
            .expectStatus().isBadRequest()
            .expectBody().jsonPath("$.type").isEqualTo("https://idempotency-gateway.dev/problems/client-identity-missing");
    }

    private WebTestClient.ResponseSpec order(String client) {
        return this.gateway.client().post().uri("/orders").header("X-Client-Id", client).bodyValue("{}").exchange();
    }

    /** The YAML block of the page that starts with {@code # migrated}. */
    static String migratedRule() throws IOException {
        String page = Files.readString(GUIDE);
        int start = page.indexOf("```yaml\n# migrated\n");
        assertThat(start).as("the migrated rule in " + GUIDE).isNotNegative();
        int body = page.indexOf('\n', start) + 1;
        return page.substring(body, page.indexOf("```", body));
    }
}
