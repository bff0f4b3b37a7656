package dev.idempotency.gateway.ops.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.TracingObservationHandler;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.StoreUnavailableException;

/**
 * Times every store operation as {@value #NAME}: with metrics a timer ({@code idempotency_store_seconds},
 * tags {@value #OPERATION}, {@value #OUTCOME} and {@code error}) and a long-task timer
 * ({@code idempotency_store_active_seconds}, tag {@value #OPERATION}); with tracing a span
 * ({@code idempotency.store begin}) under the request's span, with the route as an attribute.
 *
 * <p>The meters are the ones Micrometer's {@code DefaultMeterObservationHandler} would register
 * for an Observation of that name, but recorded directly: a full Observation per operation (a
 * context, key values, a tracing context, a meter lookup per stop) cost more gateway CPU than the
 * Redis call it measured. An Observation is made only where its span is kept: under a sampled
 * request span. Under an unsampled one the child span would be dropped anyway, and under the no-op
 * observation WebFlux gives a request when the server observation is off there is no span. With
 * no request observation at all (a result stored in the background because the store was down when
 * the response went out) it would start a trace of one store call that no request leads to.
 */
final class StoreObservation {

    static final String NAME = "idempotency.store";

    static final String OPERATION = "operation";

    static final String OUTCOME = "outcome";

    static final String ROUTE = "route";

    private static final String NO_ERROR = "none";

    private final ObservationRegistry registry;

    private final MeterRegistry meters;

    private final Map<String, OperationMeters> byOperation = new ConcurrentHashMap<>();

    StoreObservation(ObservationRegistry registry, MeterRegistry meters) {
        this.registry = registry;
        this.meters = meters;
    }

    /**
     * Observes one subscription to {@code operation}: started on subscribe, stopped on its end.
     * @param outcome names the value the operation produced
     * @param whenEmpty the outcome of an operation that completed without a value
     */
    <T> Mono<T> observe(String operation, String routeId, Supplier<Mono<T>> call, Function<T, String> outcome,
            String whenEmpty) {
        return Mono.deferContextual(context -> {
            // WebFlux puts the request's observation in the Reactor context: the span becomes its child.
            Observation parent = context.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
            if (parent != null && !this.registry.isNoop() && isSampled(parent)) {
                return observed(operation, routeId, call, outcome, whenEmpty, parent);
            }
            return timed(operation, call, outcome, whenEmpty);
        });
    }

    private <T> Mono<T> timed(String operation, Supplier<Mono<T>> call, Function<T, String> outcome, String whenEmpty) {
        OperationMeters meters = meters(operation);
        Measurement measurement = new Measurement(meters);
        return call.get()
            .doOnSuccess(value -> measurement.stop(value == null ? whenEmpty : outcome.apply(value), NO_ERROR))
            .doOnError(error -> measurement.stop(error instanceof StoreUnavailableException ? "unavailable" : "error",
                    error.getClass().getSimpleName()))
            .doOnCancel(() -> measurement.stop("cancelled", NO_ERROR));
    }

    private <T> Mono<T> observed(String operation, String routeId, Supplier<Mono<T>> call, Function<T, String> outcome,
            String whenEmpty, Observation parent) {
        Observation observation = Observation.createNotStarted(NAME, this.registry)
            .contextualName(NAME + " " + operation)
            .lowCardinalityKeyValue(OPERATION, operation)
            .highCardinalityKeyValue(ROUTE, routeId)
            .parentObservation(parent)
            .start();
        ObservationStop stop = new ObservationStop(observation);
        return call.get()
            .doOnSuccess(value -> stop.stop(value == null ? whenEmpty : outcome.apply(value)))
            .doOnError(error -> {
                observation.error(error);
                stop.stop(error instanceof StoreUnavailableException ? "unavailable" : "error");
            })
            .doOnCancel(() -> stop.stop("cancelled"))
            .contextWrite(inner -> inner.put(ObservationThreadLocalAccessor.KEY, observation));
    }

    // A parent without a tracing context (tracing off) has no span to add a child to.
    private static boolean isSampled(Observation parent) {
        TracingObservationHandler.TracingContext tracing = parent.getContextView()
            .get(TracingObservationHandler.TracingContext.class);
        if (tracing == null || tracing.getSpan() == null) {
            return false;
        }
        TraceContext trace = tracing.getSpan().context();
        return Boolean.TRUE.equals(trace.sampled());
    }

    private OperationMeters meters(String operation) {
        OperationMeters meters = this.byOperation.get(operation);
        return meters != null ? meters : this.byOperation.computeIfAbsent(operation, this::newMeters);
    }

    private OperationMeters newMeters(String operation) {
        return new OperationMeters(operation, this.meters);
    }

    /** The meters of one operation, registered on first use, as an Observation's would be. */
    private static final class OperationMeters {

        private final String operation;

        private final MeterRegistry registry;

        private final LongTaskTimer active;

        // Keyed by outcome, then error; a handful of entries per operation.
        private final Map<String, Map<String, Timer>> timers = new ConcurrentHashMap<>();

        OperationMeters(String operation, MeterRegistry registry) {
            this.operation = operation;
            this.registry = registry;
            this.active = LongTaskTimer.builder(NAME + ".active").tag(OPERATION, operation).register(registry);
        }

        Timer timer(String outcome, String error) {
            Map<String, Timer> byError = this.timers.get(outcome);
            if (byError == null) {
                byError = this.timers.computeIfAbsent(outcome, unused -> new ConcurrentHashMap<>());
            }
            Timer timer = byError.get(error);
            return timer != null ? timer : byError.computeIfAbsent(error, unused -> Timer.builder(NAME)
                .tag(OPERATION, this.operation)
                .tag(OUTCOME, outcome)
                .tag("error", error)
                .register(this.registry));
        }
    }

    /** One timed operation; the first end (value, error or cancel) stops it. */
    private static final class Measurement {

        private final OperationMeters meters;

        private final LongTaskTimer.Sample active;

        private final long start;

        private final AtomicBoolean stopped = new AtomicBoolean();

        Measurement(OperationMeters meters) {
            this.meters = meters;
            this.active = meters.active.start();
            this.start = System.nanoTime();
        }

        // A cancel may race with the value: whichever comes first is the outcome.
        void stop(String outcome, String error) {
            if (!this.stopped.compareAndSet(false, true)) {
                return;
            }
            // Stopped before the value travels on: downstream work is not the store's latency.
            this.meters.timer(outcome, error).record(System.nanoTime() - this.start, TimeUnit.NANOSECONDS);
            this.active.stop();
        }
    }

    private static final class ObservationStop {

        private final Observation observation;

        private final AtomicBoolean stopped = new AtomicBoolean();

        ObservationStop(Observation observation) {
            this.observation = observation;
        }

        void stop(String outcome) {
            if (this.stopped.compareAndSet(false, true)) {
                this.observation.lowCardinalityKeyValue(OUTCOME, outcome).stop();
            }
        }
    }
}
