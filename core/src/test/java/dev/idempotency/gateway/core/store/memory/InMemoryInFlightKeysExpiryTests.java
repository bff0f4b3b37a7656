package dev.idempotency.gateway.core.store.memory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.core.ClientScope;

import static org.assertj.core.api.Assertions.assertThat;

/** Places in flight on a clock the test moves: a place is free again exactly when its lease ends. */
class InMemoryInFlightKeysExpiryTests {

    private final AtomicLong now = new AtomicLong(1_000);

    private final InMemoryInFlightKeys keys = new InMemoryInFlightKeys(this.now::get);

    private final ClientScope client = new ClientScope("orders", "client-a");

    @Test
    void aPlaceIsFreeTheMomentItsLeaseEnds() {
        assertThat(this.keys.hold(this.client, 1, 1, Duration.ofNanos(100)).block()).isTrue();
        this.now.addAndGet(99);
        assertThat(this.keys.hold(this.client, 2, 1, Duration.ofNanos(100)).block()).as("one nanosecond left").isFalse();
        this.now.addAndGet(1);
        assertThat(this.keys.hold(this.client, 2, 1, Duration.ofNanos(100)).block()).as("lease over").isTrue();
    }
}
