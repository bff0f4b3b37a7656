package dev.idempotency.gateway.ops.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.gateway.web.IdempotencyListener;
import dev.idempotency.gateway.web.IdempotencyOutcome;
import dev.idempotency.gateway.web.KeySettlement;

/**
 * Counts what the Idempotency filter decides, per route: one {@value #REQUESTS} per request it
 * sees, one {@value #SETTLEMENTS} per executed request, and in observe mode what enforcing would
 * have done ({@value #OBSERVED}). Tags are route ids and enum names only: never a client or a key.
 */
public final class IdempotencyMetrics implements IdempotencyListener {

    /** Tags {@code route}, {@code outcome} (an {@link IdempotencyOutcome} in lower case, or {@code observed_only}). */
    public static final String REQUESTS = "idempotency.requests";

    /** Tags {@code route}, {@code would_be}: what enforcing would have answered instead of forwarding. */
    public static final String OBSERVED = "idempotency.observed";

    /** Tags {@code route}, {@code settlement} (a {@link KeySettlement} in lower case), {@code upstream_status} (2xx..5xx, none). */
    public static final String SETTLEMENTS = "idempotency.settlements";

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            REQUESTS, "Requests seen by the Idempotency filter, by outcome",
            OBSERVED, "Requests a route in observe mode forwarded, by what enforcing would have done",
            SETTLEMENTS, "Keys of executed requests, by how they were settled");

    private final MeterRegistry registry;

    // Looked up per request: Micrometer's own lookup would build a new meter id every time.
    private final Map<MeterKey, Counter> counters = new ConcurrentHashMap<>();

    public IdempotencyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onOutcome(String routeId, IdempotencyOutcome outcome, ServerWebExchange exchange) {
        counter(REQUESTS, "route", routeId, "outcome", TagValues.of(outcome)).increment();
    }

    @Override
    public void onObserved(String routeId, IdempotencyOutcome wouldBe, ServerWebExchange exchange) {
        counter(REQUESTS, "route", routeId, "outcome", TagValues.OBSERVED_ONLY).increment();
        counter(OBSERVED, "route", routeId, "would_be", TagValues.of(wouldBe)).increment();
    }

    @Override
    public void onSettlement(String routeId, KeySettlement settlement, int upstreamStatus) {
        counter(SETTLEMENTS, "route", routeId, "settlement", TagValues.of(settlement), "upstream_status",
                TagValues.statusClass(upstreamStatus)).increment();
    }

    /** Registers every outcome of a route at zero, so that increase() sees a route's first request too. */
    public void register(String routeId) {
        for (IdempotencyOutcome outcome : IdempotencyOutcome.values()) {
            counter(REQUESTS, "route", routeId, "outcome", TagValues.of(outcome));
        }
        counter(REQUESTS, "route", routeId, "outcome", TagValues.OBSERVED_ONLY);
    }

    /** @param tags tag names and values, alternating */
    private Counter counter(String name, String... tags) {
        return this.counters.computeIfAbsent(new MeterKey(name, List.of(tags)), key -> Counter.builder(name)
            .description(DESCRIPTIONS.get(name))
            .tags(tags)
            .register(this.registry));
    }

    private record MeterKey(String name, List<String> tags) {
    }
}
