package dev.idempotency.gateway.ops.store;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.StoreUnavailableException;

/**
 * One Observation per store operation, named {@value #NAME}: with tracing it is a span
 * ({@code idempotency.store begin}) under the request's span, with metrics a timer
 * ({@code idempotency_store_seconds}). Its low-cardinality key values are {@value #OPERATION} and
 * {@value #OUTCOME}; the route is a high-cardinality value (span attribute, never a metric tag).
 */
final class StoreObservation {

    static final String NAME = "idempotency.store";

    static final String OPERATION = "operation";

    static final String OUTCOME = "outcome";

    static final String ROUTE = "route";

    private final ObservationRegistry registry;

    StoreObservation(ObservationRegistry registry) {
        this.registry = registry;
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
            Observation observation = Observation.createNotStarted(NAME, this.registry)
                .contextualName(NAME + " " + operation)
                .lowCardinalityKeyValue(OPERATION, operation)
                .highCardinalityKeyValue(ROUTE, routeId)
                .parentObservation(context.getOrDefault(ObservationThreadLocalAccessor.KEY, null))
                .start();
            AtomicBoolean stopped = new AtomicBoolean();
            // Stopped before the value travels on: downstream work is not the store's latency.
            Consumer<String> stop = result -> {
                if (stopped.compareAndSet(false, true)) {
                    observation.lowCardinalityKeyValue(OUTCOME, result).stop();
                }
            };
            return call.get()
                .doOnSuccess(value -> stop.accept(value == null ? whenEmpty : outcome.apply(value)))
                .doOnError(error -> {
                    observation.error(error);
                    stop.accept(error instanceof StoreUnavailableException ? "unavailable" : "error");
                })
                .doOnCancel(() -> stop.accept("cancelled"))
                .contextWrite(inner -> inner.put(ObservationThreadLocalAccessor.KEY, observation));
        });
    }
}
