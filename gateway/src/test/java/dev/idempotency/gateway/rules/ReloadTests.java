package dev.idempotency.gateway.rules;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static dev.idempotency.gateway.rules.TestRules.route;
import static dev.idempotency.gateway.rules.TestRules.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live reload on a rules directory laid out like a Kubernetes ConfigMap volume, each update
 * published the way the kubelet does it (a new hidden directory, then an atomic swap of the
 * {@code ..data} link). One gateway runs through the steps in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class ReloadTests {

    @TempDir
    static Path dir;

    WireMockServer upstream;

    GatewayInstance gateway;

    RulesReloader reloader;

    Path volume;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        this.upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{\"id\":\"7\"}")));
        this.upstream.stubFor(any(urlPathEqualTo("/orders/slow"))
            .willReturn(aResponse().withStatus(201).withBody("{\"slow\":true}").withFixedDelay(3000)));
        this.volume = dir.resolve("rules");
        publish("v1", routes(route("orders", "/orders/**", this.upstream.baseUrl(),
                "- { name: Idempotency, args: { required: true } }")));
        this.gateway = GatewayInstance.start(List.of("idempotency.rules.location=" + this.volume,
                "idempotency.rules.reload-interval=200ms", "logging.level.dev.idempotency.gateway.rules=INFO"));
        this.reloader = this.gateway.context().getBean(RulesReloader.class);
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
    }

    void publish(String version, String content) {
        TestRules.configMap(this.volume, version, List.of("routes.yml"), List.of(content));
    }

    int status(String uri, String key) {
        var request = this.gateway.client().post().uri(uri).header("X-Client-Id", "client-a");
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return request.bodyValue("{}").exchange().expectBody().returnResult().getStatus().value();
    }

    void awaitReloads(int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> this.reloader.reloads() >= count);
    }

    @Test
    @Order(1)
    void theFirstRulesServe() {
        assertThat(status("/orders/1", null)).isEqualTo(400);
        assertThat(status("/payments/1", UUID.randomUUID().toString())).isEqualTo(404);
    }

    @Test
    @Order(2)
    void aValidChangeAppliesWithoutARestartDefaultsIncluded(CapturedOutput output) {
        publish("v2", routes(
                route("orders", "/orders/**", this.upstream.baseUrl(), "- { name: Idempotency, args: { required: false } }"),
                route("payments", "/payments/**", this.upstream.baseUrl(), "- Idempotency"))
                + "idempotency:\n  defaults:\n    required: false\n");

        awaitReloads(1);

        assertThat(status("/orders/1", null)).isEqualTo(201);
        // The payments route names no args: it runs on idempotency.defaults.*, rebound by the reload.
        assertThat(status("/payments/1", null)).isEqualTo(201);
        assertThat(output).contains("rules reloaded: 2 routes from " + this.volume + "/routes.yml");
    }

    @Test
    @Order(3)
    void aBrokenChangeIsLoggedAndTheOldRulesKeepServing(CapturedOutput output) {
        publish("v3", routes(
                route("orders", "/orders/**", this.upstream.baseUrl(), "- { name: Idempotency, args: { ttl: banana } }"),
                route("payments", "/payments/**", this.upstream.baseUrl(), "- Idempotancy")));

        await().atMost(Duration.ofSeconds(20)).until(() -> !this.reloader.lastRejection().isEmpty());

        assertThat(this.reloader.lastRejection()).map(RuleProblem::message).containsExactly(
                "Route 'orders': Idempotency argument 'ttl' must be a duration such as 500ms, 30s, 5m or 24h (was banana)",
                this.reloader.lastRejection().get(1).message());
        assertThat(this.reloader.lastRejection().get(1).message())
            .startsWith("Route 'payments': unknown filter 'Idempotancy' in filters[0] (did you mean 'Idempotency'?)");
        assertThat(output).containsOnlyOnce("rules in " + this.volume + " rejected, the previous rules stay in force: "
                + this.volume + "/routes.yml: Route 'orders': Idempotency argument 'ttl' must be");
        assertThat(this.reloader.reloads()).isEqualTo(1);
        assertThat(status("/orders/1", null)).isEqualTo(201);
        assertThat(status("/payments/1", null)).isEqualTo(201);
    }

    @Test
    @Order(4)
    void aRequestInFlightFinishesOnTheRulesItStartedWith(CapturedOutput output) {
        String key = UUID.randomUUID().toString();
        CompletableFuture<EntityExchangeResult<byte[]>> inFlight = CompletableFuture.supplyAsync(() -> this.gateway
            .client().post().uri("/orders/slow").header("X-Client-Id", "client-a").header("Idempotency-Key", key)
            .bodyValue("{}").exchange().expectBody().returnResult());
        await().atMost(Duration.ofSeconds(10))
            .until(() -> !this.upstream.findAll(postRequestedFor(urlPathEqualTo("/orders/slow"))).isEmpty());

        // Orders back to keys required; payments gone; a setting only a restart applies.
        publish("v4", routes(route("orders", "/orders/**", this.upstream.baseUrl(),
                "- { name: Idempotency, args: { required: true } }"))
                + "idempotency:\n  memory:\n    max-entries: 500\n");
        awaitReloads(2);
        assertThat(inFlight).isNotDone();

        EntityExchangeResult<byte[]> result = inFlight.join();
        assertThat(result.getStatus().value()).isEqualTo(201);
        assertThat(new String(result.getResponseBody())).isEqualTo("{\"slow\":true}");
        assertThat(status("/orders/slow", key)).isEqualTo(201);
        assertThat(this.upstream.findAll(postRequestedFor(urlPathMatching("/orders/slow")))).hasSize(1);
        assertThat(status("/orders/1", null)).isEqualTo(400);
        assertThat(status("/payments/1", UUID.randomUUID().toString())).isEqualTo(404);
        assertThat(output).contains("rules changed [idempotency.memory.max-entries], which take effect only after a restart");
    }

    @Test
    @Order(5)
    void aReloadRebindsTheRateLimitDefaults() {
        // A RateLimit route without args runs on idempotency.rate-limit.defaults.*: one request an hour.
        publish("v5", routes(route("limited", "/limited/**", this.upstream.baseUrl(), "- RateLimit"))
                + "idempotency:\n  rate-limit:\n    defaults:\n      client-limits:\n"
                + "        - { capacity: 1, refillPeriod: 1h }\n");
        awaitReloads(3);
        assertThat(status("/limited/1", null)).isEqualTo(201);
        assertThat(status("/limited/1", null)).isEqualTo(429);

        // Three an hour now, in a fresh bucket (the limits' numbers name it).
        publish("v6", routes(route("limited", "/limited/**", this.upstream.baseUrl(), "- RateLimit"))
                + "idempotency:\n  rate-limit:\n    defaults:\n      client-limits:\n"
                + "        - { capacity: 3, refillPeriod: 1h }\n");
        awaitReloads(4);
        assertThat(List.of(status("/limited/1", null), status("/limited/1", null), status("/limited/1", null),
                status("/limited/1", null))).containsExactly(201, 201, 201, 429);
    }
}
