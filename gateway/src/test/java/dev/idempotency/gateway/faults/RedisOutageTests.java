package dev.idempotency.gateway.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.ops.metrics.IdempotencyMetrics;
import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
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

/** Redis is killed and restarted under a running gateway: it fails closed, then heals by itself. */
class RedisOutageTests {

    private static RedisServer redis;

    private static WireMockServer upstream;

    private static GatewayInstance gateway;

    private static GatewayClient client;

    @BeforeAll
    static void start() {
        redis = RedisServer.launch();
        upstream = Upstream.start();
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency")
            .route("open", upstream.baseUrl()).path("/open/**").filter("Idempotency", Map.of("failOpen", true))
            .properties());
        properties.addAll(List.of(redis.storeProperties()));
        gateway = GatewayInstance.start(properties);
        client = new GatewayClient(gateway);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
        redis.close();
    }

    @BeforeEach
    void stubUpstreamAndAwaitHealthyStore() {
        upstream.resetAll();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{\"orderId\":\"42\"}")));
        redis.start();
        awaitRecovery();
    }

    /** The gateway reconnects on its own; no restart, no manual step. */
    private static void awaitRecovery() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
            .until(() -> client.post("/orders", "probe-" + UUID.randomUUID(), "{}").getStatus().value() == 201);
    }

    /** {@code idempotency_requests_total} for one route and outcome: what the alerts in docs/operations.md read. */
    private static double requests(String route, String outcome) {
        Counter counter = gateway.context().getBean(MeterRegistry.class).find(IdempotencyMetrics.REQUESTS)
            .tags("route", route, "outcome", outcome).counter();
        return counter != null ? counter.count() : 0;
    }

    private static int executions(String key) {
        return upstream.findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key))).size();
    }

    @Test
    void storeDownFailsClosedThenRecoversByItself() {
        assertThat(client.post("/orders", "before-" + UUID.randomUUID(), "{}").getStatus().value()).isEqualTo(201);

        redis.stop();
        // The first call may be the one that finds the connection gone.
        client.post("/orders", "down-" + UUID.randomUUID(), "{}");
        double unavailableBefore = requests("orders", "store_unavailable");
        String key = "during-" + UUID.randomUUID();
        // docs/properties.md: commands are rejected at once while disconnected, not after the 1 s timeout.
        long asked = System.nanoTime();
        EntityExchangeResult<byte[]> rejected = client.post("/orders", key, "{}");
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofMillis(900));
        assertThat(rejected.getStatus().value()).isEqualTo(503);
        assertThat(rejected.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(rejected.getResponseHeaders().getFirst("Retry-After")).isEqualTo("1");
        assertThat(GatewayClient.body(rejected)).contains("/problems/store-unavailable");
        assertThat(executions(key)).isZero();
        assertThat(requests("orders", "store_unavailable")).isEqualTo(unavailableBefore + 1);

        // docs/guarantees.md: serves again within about two seconds of Redis coming back, here with room
        // for a loaded machine (a short outage; the back-off's cap itself: reconnectBackOffIsCappedAtTwoSeconds).
        redis.start();
        long restarted = System.nanoTime();
        awaitRecovery();
        assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThan(Duration.ofSeconds(6));
        String after = "after-" + UUID.randomUUID();
        assertThat(client.post("/orders", after, "{}").getStatus().value()).isEqualTo(201);
        EntityExchangeResult<byte[]> replay = client.post("/orders", after, "{}");
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(executions(after)).isEqualTo(1);
    }

    /** docs/properties.md: reconnect back-off capped at 2 s, so a long outage does not delay the recovery by Lettuce's 30 s. */
    @Test
    void reconnectBackOffIsCappedAtTwoSeconds() {
        Delay delay = gateway.context().getBean(ClientResources.class).reconnectDelay();
        assertThat(delay.createDelay(1)).isLessThan(Duration.ofSeconds(1));
        assertThat(delay.createDelay(30)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void failOpenRouteForwardsWhileTheStoreIsDown() {
        redis.stop();
        double failedOpenBefore = requests("open", "failed_open");
        String key = "open-" + UUID.randomUUID();
        EntityExchangeResult<byte[]> forwarded = client.post("/open", key, "{}");
        assertThat(forwarded.getStatus().value()).isEqualTo(201);
        assertThat(forwarded.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
        assertThat(executions(key)).isEqualTo(1);
        // The chart's IdempotencyFailingOpen alert reads this count.
        assertThat(requests("open", "failed_open")).isEqualTo(failedOpenBefore + 1);
    }

    @Test
    void clientStillGetsTheRealResponseWhenTheStoreDiesMidRequest() throws Exception {
        upstream.stubFor(post(urlPathEqualTo("/orders/slow")).willReturn(aResponse().withStatus(201)
            .withFixedDelay(1500).withBody("{\"orderId\":\"slow\"}")));
        String key = "mid-" + UUID.randomUUID();
        CompletableFuture<EntityExchangeResult<byte[]>> inFlight = CompletableFuture
            .supplyAsync(() -> client.post("/orders/slow", key, "{}"));
        Thread.sleep(600);
        redis.stop();
        EntityExchangeResult<byte[]> result = inFlight.get();
        assertThat(result.getStatus().value()).isEqualTo(201);
        assertThat(GatewayClient.body(result)).isEqualTo("{\"orderId\":\"slow\"}");
        assertThat(executions(key)).isEqualTo(1);
    }
}
