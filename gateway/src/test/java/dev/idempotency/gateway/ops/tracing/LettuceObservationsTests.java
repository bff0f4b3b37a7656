package dev.idempotency.gateway.ops.tracing;

import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.tracing.Tracing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/operations.md, "Redis command observations": Lettuce's per-command observations are off as
 * shipped (the store's timer covers each call), and then Lettuce gets no tracing at all, so no
 * command pays for an observation nobody records; {@code management.observations.enable.lettuce=true}
 * brings them back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LettuceObservationsTests {

    RedisServer redis;

    GatewayInstance shipped;

    GatewayInstance observing;

    @BeforeAll
    void start() {
        this.redis = RedisServer.launch();
        this.shipped = GatewayInstance.start(properties());
        List<String> observing = properties();
        observing.add("management.observations.enable.lettuce=true");
        this.observing = GatewayInstance.start(observing);
    }

    private List<String> properties() {
        // Nothing listens on the route's upstream: the request only has to reach Redis.
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", "http://127.0.0.1:9").path("/orders/**").filter("Idempotency")
            .properties());
        properties.addAll(List.of(this.redis.storeProperties()));
        properties.add("management.server.port=0");
        return properties;
    }

    @AfterAll
    void stop() {
        if (this.observing != null) {
            this.observing.close();
        }
        if (this.shipped != null) {
            this.shipped.close();
        }
        if (this.redis != null) {
            this.redis.close();
        }
    }

    @Test
    void asShippedLettuceHasNoTracing() {
        assertThat(tracing(this.shipped).isEnabled()).isFalse();
    }

    @Test
    void asShippedRedisCommandsAreTimedByTheStoreNotByLettuce() {
        assertThat(scrapeAfterARequest(this.shipped, "k-shipped")).contains("idempotency_store_seconds_count{")
            .doesNotContain("lettuce_");
    }

    @Test
    void enabledLettuceObservesEveryCommandAgain() {
        assertThat(tracing(this.observing).isEnabled()).isTrue();
        assertThat(scrapeAfterARequest(this.observing, "k-observing")).contains("lettuce_seconds_count{");
    }

    private static Tracing tracing(GatewayInstance gateway) {
        LettuceConnectionFactory factory = gateway.context().getBean(LettuceConnectionFactory.class);
        return factory.getRequiredNativeClient().getResources().tracing();
    }

    private static String scrapeAfterARequest(GatewayInstance gateway, String key) {
        gateway.client().post().uri("/orders/1").header("X-Client-Id", "c").header("Idempotency-Key", key)
            .bodyValue("{}").exchange();
        return gateway.managementClient().get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
            .expectBody(String.class).returnResult().getResponseBody();
    }
}
