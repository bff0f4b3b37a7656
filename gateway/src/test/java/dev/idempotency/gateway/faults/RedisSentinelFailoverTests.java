package dev.idempotency.gateway.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisSentinel;
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
 * Redis behind Sentinel, selected by the standard {@code spring.data.redis.sentinel.*}
 * properties: a result stored before a failover (acknowledged by the replica, with
 * {@code replica-acks: 1}) is replayed by the promoted replica, and new keys work after it.
 */
class RedisSentinelFailoverTests {

    private static RedisServer master;

    private static RedisServer replica;

    private static RedisSentinel sentinel;

    private static WireMockServer upstream;

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() {
        master = RedisServer.launch();
        replica = RedisServer.launchReplicaOf(master);
        sentinel = RedisSentinel.watching(master);
        // A failover needs a replica the sentinel knows of; it learns them from the master's INFO.
        await().atMost(Duration.ofSeconds(30))
            .until(() -> sentinel.command("SENTINEL", "replicas", RedisSentinel.MASTER_NAME).contains(Integer.toString(replica.port())));
        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"" + UUID.randomUUID() + "\"}")));
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency").properties());
        properties.addAll(List.of(sentinel.storeProperties()));
        properties.addAll(List.of("idempotency.redis.replica-acks=1", "idempotency.redis.replica-ack-timeout=2s"));
        gateway = GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
        sentinel.close();
        replica.close();
        master.close();
    }

    @Test
    void aResultStoredBeforeAFailoverIsReplayedByThePromotedReplica() {
        String key = "failover-" + UUID.randomUUID();
        GatewayClient client = new GatewayClient(gateway);
        EntityExchangeResult<byte[]> original = client.post("/orders", key, "{\"qty\":1}");
        assertThat(original.getStatus().value()).isEqualTo(201);

        assertThat(sentinel.command("SENTINEL", "failover", RedisSentinel.MASTER_NAME)).startsWith("+OK");
        await().atMost(Duration.ofSeconds(30)).until(() -> sentinel.masterPort() == replica.port());

        // While the gateway reconnects it answers 503 store-unavailable; a client retries those.
        EntityExchangeResult<byte[]>[] replay = new EntityExchangeResult[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            replay[0] = client.post("/orders", key, "{\"qty\":1}");
            return replay[0].getStatus().value() != 503;
        });
        assertThat(replay[0].getStatus().value()).isEqualTo(201);
        assertThat(replay[0].getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay[0].getResponseBody()).isEqualTo(original.getResponseBody());
        assertThat(upstream.findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key)))).hasSize(1);

        String next = "after-failover-" + UUID.randomUUID();
        EntityExchangeResult<byte[]> fresh = client.post("/orders", next, "{\"qty\":2}");
        assertThat(fresh.getStatus().value()).as(GatewayClient.body(fresh)).isEqualTo(201);
        assertThat(fresh.getResponseHeaders().getFirst("Idempotent-Replayed")).isNull();
        assertThat(replica.command("DBSIZE")).as("new results land on the promoted replica").isNotEqualTo(":0\r\n");
    }
}
