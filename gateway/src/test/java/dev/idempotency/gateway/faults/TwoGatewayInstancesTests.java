package dev.idempotency.gateway.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static org.assertj.core.api.Assertions.assertThat;

/** Two replicas on one Redis behave as one gateway. */
class TwoGatewayInstancesTests {

    private static RedisServer redis;

    private static WireMockServer upstream;

    private static GatewayInstance first;

    private static GatewayInstance second;

    @BeforeAll
    static void start() {
        redis = RedisServer.launch();
        upstream = Upstream.start();
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency").properties());
        properties.addAll(List.of(redis.storeProperties()));
        first = GatewayInstance.start(properties);
        second = GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
        upstream.stop();
        redis.close();
    }

    @BeforeEach
    void stubUpstream() {
        upstream.resetAll();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withFixedDelay(200)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"42\"}")));
    }

    private static int executions(String key) {
        return upstream.findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key))).size();
    }

    @Test
    void keyUsedOnOneInstanceIsReplayedByTheOther() {
        String key = "k-" + UUID.randomUUID();
        EntityExchangeResult<byte[]> original = new GatewayClient(first).post("/orders", key, "{}");
        EntityExchangeResult<byte[]> replay = new GatewayClient(second).post("/orders", key, "{}");
        assertThat(original.getStatus().value()).isEqualTo(201);
        assertThat(replay.getStatus().value()).isEqualTo(201);
        assertThat(replay.getResponseBody()).isEqualTo(original.getResponseBody());
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(executions(key)).isEqualTo(1);
    }

    @Test
    void mismatchIsDetectedAcrossInstances() {
        String key = "k-" + UUID.randomUUID();
        new GatewayClient(first).post("/orders", key, "{\"qty\":1}");
        assertThat(new GatewayClient(second).post("/orders", key, "{\"qty\":2}").getStatus().value()).isEqualTo(422);
    }

    @Test
    void parallelRetriesSpreadOverBothInstancesExecuteOnce() throws Exception {
        String key = "k-" + UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(24);
        try {
            List<CompletableFuture<EntityExchangeResult<byte[]>>> answers = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                GatewayClient client = new GatewayClient(i % 2 == 0 ? first : second);
                answers.add(CompletableFuture.supplyAsync(() -> client.post("/orders", key, "{}"), pool));
            }
            for (CompletableFuture<EntityExchangeResult<byte[]>> answer : answers) {
                assertThat(answer.get().getStatus().value()).isIn(201, 409);
            }
            assertThat(executions(key)).isEqualTo(1);
        }
        finally {
            pool.shutdownNow();
        }
    }
}
