package dev.idempotency.gateway.ops.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.store.memory.InMemoryIdempotencyStore;

import static org.assertj.core.api.Assertions.assertThat;

/** The observed store hands on the delegate's counting view, observed like itself. */
class ObservedIdempotencyStoreTests {

    private final MeterRegistry meters = new SimpleMeterRegistry();

    private final StoreObservation observation = new StoreObservation(ObservationRegistry.NOOP, this.meters);

    @Test
    void aCountingViewIsObservedAndAClaimOverTheLimitIsTaggedInFlightLimited() {
        IdempotencyStore delegate = new InMemoryIdempotencyStore(10) {

            @Override
            public Optional<IdempotencyStore> countingInFlight(int maxInFlight) {
                return Optional.of(new InMemoryIdempotencyStore(10) {

                    @Override
                    public Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease) {
                        return Mono.just(new BeginResult.OverInFlightLimit());
                    }
                });
            }
        };
        IdempotencyStore observed = new ObservedIdempotencyStore(delegate, this.observation, new StoredResponseSizes(this.meters));

        IdempotencyStore counting = observed.countingInFlight(2).orElseThrow();
        assertThat(counting).isInstanceOf(ObservedIdempotencyStore.class);
        assertThat(counting.begin(key(), claim(), Duration.ofSeconds(1)).block()).isInstanceOf(BeginResult.OverInFlightLimit.class);
        assertThat(this.meters.find(StoreObservation.NAME).tags("operation", "begin", "outcome", "in_flight_limited").timer()
            .count()).isEqualTo(1);
    }

    @Test
    void aStoreThatCannotCountInItsClaimsStaysSo() {
        IdempotencyStore observed = new ObservedIdempotencyStore(new InMemoryIdempotencyStore(10), this.observation,
                new StoredResponseSizes(this.meters));
        assertThat(observed.countingInFlight(2)).isEmpty();
    }

    private static ScopedKey key() {
        return new ScopedKey("orders", "client", IdempotencyKey.of("k-1"));
    }

    private static IdempotencyRecord claim() {
        return IdempotencyRecord.inFlight(1, RequestFingerprint.builder().part("body", "{}").build(), Instant.now());
    }
}
