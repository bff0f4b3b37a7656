package dev.idempotency.gateway.web;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The behaviour suite on a real Redis server. */
class RedisIdempotencyTests extends IdempotencyBehaviourContract {

    private RedisServer redis;

    @Override
    List<String> storeProperties() {
        this.redis = RedisServer.launch();
        return List.of(this.redis.storeProperties());
    }

    @Test
    void storeCallsAreTimedByTheStoreAloneNotAlsoPerRedisCommandByLettuce() {
        send("/orders", newKey());
        MeterRegistry meters = this.fixture.gateway().context().getBean(MeterRegistry.class);
        assertThat(meters.find("idempotency.store").timers()).isNotEmpty();
        assertThat(meters.getMeters()).noneMatch(meter -> meter.getId().getName().startsWith("lettuce"));
    }

    /**
     * On one Redis server the claim's own scripts count the client's keys in flight: a first request
     * on a route with {@code maxInFlightPerClient} costs the same two scripts as on any other route
     * (begin, complete), not a hold script besides (docs/stores.md). Redis counts the commands a
     * script runs as its own, so only the scripts say how many calls the gateway made.
     */
    @Test
    void aCappedFirstRequestCostsTheSameTwoRedisCallsAsAnUncappedOne() throws Exception {
        for (String path : List.of("/orders", "/capped/fast")) {
            long before = scriptCalls();
            String client = "round-trips-" + UUID.randomUUID();
            assertThat(send(path, newKey(), client, "{\"item\":\"book\"}").getStatus().value()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(5)).until(() -> scriptCalls() - before >= 2);
            Thread.sleep(200);
            assertThat(scriptCalls() - before).as(path).isEqualTo(2);
        }
    }

    private long scriptCalls() {
        return this.redis.commandCalls("evalsha") + this.redis.commandCalls("eval");
    }

    @AfterAll
    void stopRedis() {
        if (this.redis != null) {
            this.redis.close();
        }
    }
}
