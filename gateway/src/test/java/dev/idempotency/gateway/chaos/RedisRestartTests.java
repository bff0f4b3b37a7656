package dev.idempotency.gateway.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.DurableRedisServer;
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
import static org.awaitility.Awaitility.await;

/**
 * What a Redis crash (SIGKILL) and restart means for a stored result, with and without
 * persistence: the guarantee lives exactly as long as Redis keeps its data.
 */
class RedisRestartTests {

    private WireMockServer upstream;

    private RedisServer redis;

    private GatewayInstance gateway;

    @BeforeEach
    void startUpstream() {
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"{{randomValue type='UUID'}}\"}")
            .withTransformers("response-template")));
    }

    @AfterEach
    void stop() {
        if (this.gateway != null) {
            this.gateway.close();
        }
        if (this.redis != null) {
            this.redis.close();
        }
        this.upstream.stop();
    }

    private void startGateway(Supplier<RedisServer> redis) {
        this.redis = redis.get();
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", this.upstream.baseUrl()).path("/orders/**").filter("Idempotency").properties());
        properties.addAll(List.of(this.redis.storeProperties()));
        this.gateway = GatewayInstance.start(properties);
    }

    private EntityExchangeResult<byte[]> order(String key) {
        return this.gateway.client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key).header("X-Client-Id", "client-a").bodyValue("{\"item\":\"book\"}")
            .exchange().expectBody().returnResult();
    }

    private int executions(String key) {
        return this.upstream.findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key))).size();
    }

    /** Kills Redis the moment the client has its answer, restarts it, and waits until the gateway is back. */
    private void crashAndRestartRedis() {
        this.redis.stop();
        this.redis.start();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
            .until(() -> order("probe-" + UUID.randomUUID()).getStatus().value() == 201);
    }

    @Test
    void withoutPersistenceARestartForgetsEveryKeyAndTheRetryExecutesAgain() {
        startGateway(RedisServer::launch);
        String key = "k-" + UUID.randomUUID();
        EntityExchangeResult<byte[]> first = order(key);
        assertThat(order(key).getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");

        crashAndRestartRedis();

        EntityExchangeResult<byte[]> afterRestart = order(key);
        assertThat(afterRestart.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
        assertThat(afterRestart.getResponseBody()).isNotEqualTo(first.getResponseBody());
        assertThat(executions(key)).as("the documented limit: a restart without persistence forgets keys").isEqualTo(2);
    }

    @Test
    void withAnAppendOnlyFileFsyncedOnEveryWriteAResultStoredBeforeTheCrashIsReplayed() {
        startGateway(DurableRedisServer::launch);
        List<String> keys = new ArrayList<>();
        List<byte[]> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String key = "k-" + UUID.randomUUID();
            keys.add(key);
            answers.add(order(key).getResponseBody());
        }

        crashAndRestartRedis();

        for (int i = 0; i < keys.size(); i++) {
            EntityExchangeResult<byte[]> replay = order(keys.get(i));
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(replay.getResponseBody()).isEqualTo(answers.get(i));
            assertThat(executions(keys.get(i))).isEqualTo(1);
        }
    }
}
