package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.core.ConcurrentCalls;

import static org.assertj.core.api.Assertions.assertThat;

/** The buckets in this JVM: takes at once on one bucket never hand out a token twice, nor lose one. */
class LocalTokenBucketsTests {

    static final int TAKERS = 32;

    /** Capacity 10, no refill during a test: every token taken is one of the ten. */
    static final BucketDefinition CAPACITY_10 = BucketDefinition.of(
            List.of(new Limit().setCapacity(10).setRefillPeriod(Duration.ofHours(1))), "clientLimits", "client",
            new ArgumentCheck("test"));

    @Test
    void concurrentTakesTakeExactlyTheBucketsCapacity() throws Exception {
        LocalTokenBuckets buckets = new LocalTokenBuckets(1000);
        for (int round = 0; round < 10; round++) {
            String key = "route:test:client:" + UUID.randomUUID();
            List<Boolean> taken = ConcurrentCalls.race(IntStream.range(0, TAKERS).boxed().toList(),
                    taker -> buckets.tryConsume(key, CAPACITY_10).block().consumed());
            assertThat(taken).as("round %d: tokens taken of 10", round).filteredOn(Boolean::booleanValue).hasSize(10);
        }
    }
}
