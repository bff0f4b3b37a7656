package dev.idempotency.gateway.web;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

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

    @AfterAll
    void stopRedis() {
        if (this.redis != null) {
            this.redis.close();
        }
    }
}
