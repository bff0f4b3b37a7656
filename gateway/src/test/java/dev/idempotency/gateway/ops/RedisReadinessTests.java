package dev.idempotency.gateway.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.data.redis.core.RedisKeyValueAdapter;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code idempotency.store=redis}, a real Redis outage takes the gateway out of readiness and
 * back in when Redis returns, while liveness stays up throughout: restarting would not help.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisReadinessTests {

    RedisServer redis;

    GatewayInstance gateway;

    WebTestClient management;

    @BeforeAll
    void start() {
        this.redis = RedisServer.launch();
        // Nothing listens on the route's upstream: only the store's answer matters here.
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", "http://127.0.0.1:9").path("/orders/**").filter("Idempotency")
            .properties());
        properties.addAll(List.of(this.redis.storeProperties()));
        properties.addAll(List.of("management.server.port=0",
                "management.endpoint.health.group.readiness.show-components=always"));
        this.gateway = GatewayInstance.start(properties);
        this.management = this.gateway.managementClient();
    }

    @AfterAll
    void stop() {
        if (this.gateway != null) {
            this.gateway.close();
        }
        if (this.redis != null) {
            this.redis.close();
        }
    }

    @Test
    void readinessFollowsRedisAndLivenessDoesNot() {
        expectReadiness(200, "UP");

        this.redis.stop();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
            .until(() -> readinessStatus() == 503);
        expectReadiness(503, "DOWN");
        expectLiveness();

        this.redis.start();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
            .until(() -> readinessStatus() == 200);
        expectLiveness();
    }

    /**
     * The store talks to Redis through its own scripts: Spring Data's Redis repositories, which Spring
     * Boot would set up because the classes are there, are off (276 classes fewer at startup, bench/README.md).
     */
    @Test
    void setsUpNoRedisRepositories() {
        assertThat(this.gateway.context().getBeanNamesForType(RedisKeyValueAdapter.class)).isEmpty();
    }

    @Test
    void aStoreOutageShowsInTheStoreTimerAsUnavailable() {
        MeterRegistry meters = this.gateway.context().getBean(MeterRegistry.class);
        this.redis.stop();
        try {
            this.gateway.client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", "k-1").header("X-Client-Id", "c-1").bodyValue("{}")
                .exchange().expectStatus().isEqualTo(503);
            Timer unavailable = meters.find("idempotency.store").tags("operation", "begin", "outcome", "unavailable")
                .timer();
            assertThat(unavailable).isNotNull();
            assertThat(unavailable.count()).isEqualTo(1);
        }
        finally {
            this.redis.start();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> readinessStatus() == 200);
        }
    }

    private int readinessStatus() {
        return this.management.get().uri("/actuator/health/readiness").exchange().returnResult(String.class)
            .getStatus().value();
    }

    private void expectReadiness(int status, String storeStatus) {
        this.management.get().uri("/actuator/health/readiness").exchange()
            .expectStatus().isEqualTo(status)
            .expectBody()
            .jsonPath("$.components.idempotencyStore.status").isEqualTo(storeStatus)
            .jsonPath("$.components.idempotencyStore.details.store").doesNotExist();
    }

    private void expectLiveness() {
        this.management.get().uri("/actuator/health/liveness").exchange()
            .expectStatus().isOk()
            .expectBody().jsonPath("$.status").isEqualTo("UP");
    }
}
