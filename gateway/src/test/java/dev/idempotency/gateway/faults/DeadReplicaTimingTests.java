package dev.idempotency.gateway.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.convert.DurationStyle;
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
 * The promise of {@code idempotency.redis.replica-ack-timeout} with the replica stopped: a dead
 * replica costs one timeout per second, not one per request, for timeouts below and above the
 * Redis command timeout ({@code spring.data.redis.timeout}, 1 s).
 */
class DeadReplicaTimingTests {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

    private static RedisServer master;

    private static RedisServer replica;

    private static WireMockServer upstream;

    @BeforeAll
    static void startWithADeadReplica() {
        master = RedisServer.launch();
        replica = RedisServer.launchReplicaOf(master);
        replica.stop();
        await().atMost(Duration.ofSeconds(15)).until(() -> master.command("INFO", "replication").contains("connected_slaves:0"));
        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"7\"}")));
    }

    @AfterAll
    static void stop() {
        upstream.stop();
        replica.close();
        master.close();
    }

    @ParameterizedTest(name = "replica-ack-timeout={0}")
    @ValueSource(strings = { "300ms", "2s" })
    void aDeadReplicaCostsOneTimeoutPerSecond(String ackTimeout) {
        Duration timeout = DurationStyle.detectAndParse(ackTimeout);
        try (GatewayInstance gateway = start(ackTimeout)) {
            GatewayClient client = new GatewayClient(gateway);
            // A cold gateway's first request is slow on its own; it also misses the first acknowledgement.
            created(client.post("/orders", "warm-up-" + UUID.randomUUID(), "{}"));
            sleepUntil(System.nanoTime() + Duration.ofMillis(1100).toNanos());
            long waits = waitCalls();

            Duration first = timed(() -> created(client.post("/orders", "first-" + UUID.randomUUID(), "{}")));
            long missedAt = System.nanoTime();
            assertThat(first).as("the first result waits the whole replica-ack-timeout, not the command timeout")
                .isGreaterThanOrEqualTo(timeout)
                .isLessThan(timeout.plus(COMMAND_TIMEOUT));
            assertThat(waitCalls()).as("WAIT sent once").isEqualTo(waits + 1);
            assertThat(master.command("INFO", "clients")).as("WAIT has returned: no connection is left blocked on the master")
                .contains("blocked_clients:0");

            Duration next = timed(() -> created(client.post("/orders", "next-" + UUID.randomUUID(), "{}")));
            assertThat(next).as("within the second after a missing acknowledgement nothing waits")
                .isLessThan(timeout.dividedBy(2).plusMillis(100));
            assertThat(waitCalls()).isEqualTo(waits + 1);

            // A second after the missing acknowledgement the gateway tries again: one timeout per second.
            sleepUntil(missedAt + Duration.ofMillis(1100).toNanos());
            Duration again = timed(() -> created(client.post("/orders", "again-" + UUID.randomUUID(), "{}")));
            assertThat(again).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plus(COMMAND_TIMEOUT));
            assertThat(waitCalls()).as("WAIT tried again after the pause").isEqualTo(waits + 2);
        }
    }

    private static GatewayInstance start(String ackTimeout) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency").properties());
        // The shipped command timeout (1 s) rather than the tests' roomier one.
        Stream.of(master.storeProperties()).filter(property -> !property.startsWith("spring.data.redis.timeout="))
            .forEach(properties::add);
        properties.addAll(List.of("spring.data.redis.timeout=" + COMMAND_TIMEOUT.toMillis() + "ms",
                "idempotency.redis.replica-acks=1", "idempotency.redis.replica-ack-timeout=" + ackTimeout));
        return GatewayInstance.start(properties);
    }

    private static void created(EntityExchangeResult<byte[]> result) {
        assertThat(result.getStatus().value()).isEqualTo(201);
    }

    private static Duration timed(Runnable request) {
        long start = System.nanoTime();
        request.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static void sleepUntil(long nanoTime) {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            try {
                Thread.sleep(Duration.ofNanos(left).toMillis() + 1);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }
    }

    private static long waitCalls() {
        return master.commandCalls("wait");
    }
}
