package dev.idempotency.gateway.overload;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Past {@code idempotency.overload.max-concurrent-requests} a request gets a fast 503 overloaded
 * with Retry-After ({@code idempotency.overload.retry-after}), before any route filter: no key
 * claimed, no rate-limit token taken, nothing forwarded, and the gateway admits requests again as
 * soon as the ones in flight end.
 */
class OverloadTests {

    private static WireMockServer upstream;

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() {
        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{\"orderId\":\"42\"}")));
        upstream.stubFor(post(urlPathEqualTo("/orders/slow")).willReturn(aResponse().withStatus(201)
            .withFixedDelay(2000).withBody("{\"orderId\":\"slow\"}")));
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency")
            .route("limited", upstream.baseUrl()).path("/limited/**")
                .filter("RateLimit", Map.of("clientLimits[0].capacity", 1, "clientLimits[0].refillPeriod", "1h"))
            .properties());
        properties.addAll(List.of("idempotency.overload.max-concurrent-requests=2", "idempotency.overload.retry-after=3s"));
        gateway = GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
    }

    private static EntityExchangeResult<byte[]> send(String path, String key) {
        return gateway.client().post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key)
            .header("X-Client-Id", "client-a")
            .bodyValue("{}")
            .exchange()
            .expectBody()
            .returnResult();
    }

    private static int executions(String key) {
        return upstream.findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key))).size();
    }

    @Test
    void refusesPastTheLimitBeforeClaimingAndRecoversWhenLoadDrops() throws Exception {
        String replayed = "replayed-" + UUID.randomUUID();
        assertThat(send("/orders", replayed).getStatus().value()).isEqualTo(201);
        ConcurrencyLimitFilter limit = gateway.context().getBean(ConcurrencyLimitFilter.class);

        List<CompletableFuture<EntityExchangeResult<byte[]>>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String key = "slow-" + i + "-" + UUID.randomUUID();
            slow.add(CompletableFuture.supplyAsync(() -> send("/orders/slow", key)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> limit.inFlight() == 2);

        String refusedKey = "refused-" + UUID.randomUUID();
        long before = System.nanoTime();
        EntityExchangeResult<byte[]> refused = send("/orders", refusedKey);
        Duration took = Duration.ofNanos(System.nanoTime() - before);
        assertThat(refused.getStatus().value()).isEqualTo(503);
        assertThat(refused.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(refused.getResponseHeaders().getFirst("Retry-After")).isEqualTo("3");
        assertThat(new String(refused.getResponseBody(), StandardCharsets.UTF_8))
            .contains("\"type\":\"https://idempotency-gateway.dev/problems/overloaded\"");
        assertThat(took).as("refused without waiting for the requests in flight").isLessThan(Duration.ofMillis(1500));
        // Replays are refused too: the limit sits in front of every route filter, the rate limiter's included.
        assertThat(send("/orders", replayed).getStatus().value()).isEqualTo(503);
        assertThat(send("/limited/orders", "limited-" + UUID.randomUUID()).getStatus().value()).isEqualTo(503);
        assertThat(executions(refusedKey)).isZero();
        MeterRegistry meters = gateway.context().getBean(MeterRegistry.class);
        Counter counted = meters.find("idempotency.overload.refused").tag("route", "orders").counter();
        assertThat(counted).isNotNull();
        assertThat(counted.count()).isEqualTo(2.0);

        for (CompletableFuture<EntityExchangeResult<byte[]>> request : slow) {
            assertThat(request.get(10, TimeUnit.SECONDS).getStatus().value()).isEqualTo(201);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> limit.inFlight() == 0);

        // The refused key was never claimed: its retry executes (not 409, not a replay), once.
        EntityExchangeResult<byte[]> retried = send("/orders", refusedKey);
        assertThat(retried.getStatus().value()).isEqualTo(201);
        assertThat(retried.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
        assertThat(executions(refusedKey)).isEqualTo(1);
        assertThat(send("/orders", replayed).getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        // The refusal took no token: the client's one token of the hour is still there, once.
        assertThat(send("/limited/orders", "limited-" + UUID.randomUUID()).getStatus().value()).isEqualTo(201);
        assertThat(send("/limited/orders", "limited-" + UUID.randomUUID()).getStatus().value()).isEqualTo(429);
    }
}
