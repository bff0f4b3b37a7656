package dev.idempotency.gateway.ops.store;

import java.util.List;
import java.util.function.Function;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import dev.idempotency.gateway.core.StoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The direct timing (no Observation: a request whose span is not sampled) records the same meters,
 * with the same names and tags, as the Observation it stands in for.
 */
class StoreObservationTests {

    @Test
    void timedAndObservedOperationsRegisterTheSameMeters() {
        MeterRegistry timed = new SimpleMeterRegistry();
        MeterRegistry observed = new SimpleMeterRegistry();
        exercise(new StoreObservation(ObservationRegistry.NOOP, timed));
        exercise(new StoreObservation(observationRegistry(observed), observed));

        assertThat(ids(timed)).isNotEmpty().isEqualTo(ids(observed));
        Timer claimed = timed.find(StoreObservation.NAME).tags("operation", "begin", "outcome", "claimed", "error", "none")
            .timer();
        assertThat(claimed.count()).isEqualTo(2);
        assertThat(timed.find(StoreObservation.NAME).tags("operation", "begin", "outcome", "unavailable", "error",
                "StoreUnavailableException").timer().count()).isEqualTo(1);
        assertThat(timed.find(StoreObservation.NAME).tags("operation", "release", "outcome", "released").timer().count())
            .isEqualTo(1);
        assertThat(timed.find(StoreObservation.NAME + ".active").tag("operation", "begin").longTaskTimer().activeTasks())
            .isZero();
    }

    private static void exercise(StoreObservation observation) {
        Function<String, String> same = value -> value;
        StepVerifier.create(observation.observe("begin", "orders", () -> Mono.just("claimed"), same, "none"))
            .expectNext("claimed").verifyComplete();
        StepVerifier.create(observation.observe("begin", "orders", () -> Mono.just("claimed"), same, "none"))
            .expectNext("claimed").verifyComplete();
        StepVerifier.create(observation.observe("begin", "orders",
                () -> Mono.<String>error(new StoreUnavailableException("down", null)), same, "none"))
            .verifyError(StoreUnavailableException.class);
        StepVerifier.create(observation.observe("release", "orders", Mono::<String>empty, same, "released"))
            .verifyComplete();
    }

    private static ObservationRegistry observationRegistry(MeterRegistry meters) {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        return registry;
    }

    private static List<String> ids(MeterRegistry registry) {
        return registry.getMeters().stream().map(Meter::getId)
            .map(id -> id.getType() + " " + id.getName() + " " + id.getTags())
            .sorted().toList();
    }
}
