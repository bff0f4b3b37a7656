package dev.idempotency.gateway.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code idempotency.redis.replica-acks}: a stored result is acknowledged by a replica (Redis
 * {@code WAIT}) before the client gets it, and a missing replica delays nothing beyond the timeout.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicaAcknowledgementTests {

    private static RedisServer master;

    private static RedisServer replica;

    private static WireMockServer upstream;

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() {
        master = RedisServer.launch();
        replica = RedisServer.launchReplicaOf(master);
        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"7\"}")));
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency").properties());
        properties.addAll(List.of(master.storeProperties()));
        properties.addAll(List.of("idempotency.redis.replica-acks=1", "idempotency.redis.replica-ack-timeout=300ms"));
        gateway = GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
        replica.close();
        master.close();
    }

    @Test
    @Order(1)
    void aStoredResultIsOnTheReplicaBeforeTheClientGetsIt() {
        long waitsBefore = waitCalls();
        String key = "replicated-" + UUID.randomUUID();
        EntityExchangeResult<byte[]> first = new GatewayClient(gateway).post("/orders", key, "{}");
        assertThat(first.getStatus().value()).isEqualTo(201);
        assertThat(waitCalls()).as("WAIT sent to the master after the result").isEqualTo(waitsBefore + 1);
        assertThat(replica.command("DBSIZE")).isEqualTo(master.command("DBSIZE"));

        EntityExchangeResult<byte[]> replay = new GatewayClient(gateway).post("/orders", key, "{}");
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(waitCalls()).as("a replay stores nothing and waits for nothing").isEqualTo(waitsBefore + 1);
    }

    @Test
    @Order(2)
    void withoutReplicasTheResultIsStillStoredAndDeliveredAndWaitingPausesForASecond() {
        replica.stop();
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> master.command("INFO", "replication").contains("connected_slaves:0"));
            long waitsBefore = waitCalls();
            String key = "unreplicated-" + UUID.randomUUID();
            EntityExchangeResult<byte[]> first = new GatewayClient(gateway).post("/orders", key, "{}");
            assertThat(first.getStatus().value()).isEqualTo(201);
            assertThat(waitCalls()).as("WAIT tried once, and timed out").isEqualTo(waitsBefore + 1);

            EntityExchangeResult<byte[]> replay = new GatewayClient(gateway).post("/orders", key, "{}");
            assertThat(replay.getStatus().value()).isEqualTo(201);
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");

            EntityExchangeResult<byte[]> next = new GatewayClient(gateway).post("/orders", "next-" + UUID.randomUUID(), "{}");
            assertThat(next.getStatus().value()).isEqualTo(201);
            assertThat(waitCalls()).as("right after a missing acknowledgement the gateway does not wait again")
                .isEqualTo(waitsBefore + 1);
        }
        finally {
            replica.start();
            replica.awaitReplicationLink();
        }
    }

    private static long waitCalls() {
        return master.commandCalls("wait");
    }
}
