package dev.idempotency.gateway.ops.store;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.tracing.handler.TracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelSpan;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

import dev.idempotency.gateway.core.StoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An Observation (and so a span) only under a sampled request span; everywhere else the direct
 * timing, which records the same meters, with the same names and tags, as the Observation it
 * stands in for.
 */
class StoreObservationTests {

    @Test
    void timedAndObservedOperationsRegisterTheSameMeters() {
        MeterRegistry timed = new SimpleMeterRegistry();
        MeterRegistry observed = new SimpleMeterRegistry();
        exercise(new StoreObservation(ObservationRegistry.NOOP, timed), Context.empty());
        ObservationRegistry registry = observationRegistry(observed);
        exercise(new StoreObservation(registry, observed), requestContext(registry, TraceFlags.getSampled()));

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

    @Test
    void onlyAnOperationUnderASampledRequestSpanIsAnObservation() {
        MeterRegistry meters = new SimpleMeterRegistry();
        ObservationRegistry registry = observationRegistry(meters);
        List<String> started = new ArrayList<>();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                started.add(context.getContextualName());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context.getName().equals(StoreObservation.NAME);
            }
        });
        StoreObservation observation = new StoreObservation(registry, meters);

        begin(observation, Context.empty());
        begin(observation, requestContext(registry, TraceFlags.getDefault()));
        // What WebFlux puts in a request's context when the server observation is off.
        begin(observation, Context.of(ObservationThreadLocalAccessor.KEY, Observation.NOOP));
        assertThat(started).isEmpty();

        begin(observation, requestContext(registry, TraceFlags.getSampled()));
        assertThat(started).containsExactly(StoreObservation.NAME + " begin");
        assertThat(meters.find(StoreObservation.NAME).tags("operation", "begin", "outcome", "claimed").timer().count())
            .isEqualTo(4);
    }

    private static void begin(StoreObservation observation, Context request) {
        StepVerifier.create(observation.observe("begin", "orders", () -> Mono.just("claimed"), value -> value, "none")
            .contextWrite(request)).expectNext("claimed").verifyComplete();
    }

    private static void exercise(StoreObservation observation, Context request) {
        Function<String, String> same = value -> value;
        StepVerifier.create(observation.observe("begin", "orders", () -> Mono.just("claimed"), same, "none")
            .contextWrite(request)).expectNext("claimed").verifyComplete();
        StepVerifier.create(observation.observe("begin", "orders", () -> Mono.just("claimed"), same, "none")
            .contextWrite(request)).expectNext("claimed").verifyComplete();
        StepVerifier.create(observation.observe("begin", "orders",
                () -> Mono.<String>error(new StoreUnavailableException("down", null)), same, "none")
            .contextWrite(request)).verifyError(StoreUnavailableException.class);
        StepVerifier.create(observation.observe("release", "orders", Mono::<String>empty, same, "released")
            .contextWrite(request)).verifyComplete();
    }

    /** The Reactor context WebFlux gives a request: its server observation, with a span of these trace flags. */
    private static Context requestContext(ObservationRegistry registry, TraceFlags flags) {
        Observation server = Observation.start("http.server.requests", registry);
        TracingObservationHandler.TracingContext tracing = new TracingObservationHandler.TracingContext();
        tracing.setSpan(OtelSpan.fromOtel(Span.wrap(SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736",
                "00f067aa0ba902b7", flags, TraceState.getDefault()))));
        server.getContext().put(TracingObservationHandler.TracingContext.class, tracing);
        return Context.of(ObservationThreadLocalAccessor.KEY, server);
    }

    private static ObservationRegistry observationRegistry(MeterRegistry meters) {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        return registry;
    }

    // The store's own: the request's observation registers meters of its own in the observed registry.
    private static List<String> ids(MeterRegistry registry) {
        return registry.getMeters().stream().map(Meter::getId)
            .filter(id -> id.getName().startsWith(StoreObservation.NAME))
            .map(id -> id.getType() + " " + id.getName() + " " + id.getTags())
            .sorted().toList();
    }
}
