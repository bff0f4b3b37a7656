package dev.idempotency.gateway.ops.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.gateway.events.IdempotencyListener;
import dev.idempotency.gateway.events.IdempotencyOutcome;
import dev.idempotency.gateway.events.KeySettlement;

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

    // Looked up per request: Micrometer's own lookup would build a new meter id every time, and
    // even a map keyed by tag lists builds a key per call; per route, arrays indexed by enum do not.
    private final Map<String, RouteCounters> routes = new ConcurrentHashMap<>();

    private final Map<MeterKey, Counter> counters = new ConcurrentHashMap<>();

    public IdempotencyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onOutcome(String routeId, IdempotencyOutcome outcome, ServerWebExchange exchange) {
        route(routeId).requests(outcome).increment();
    }

    @Override
    public void onObserved(String routeId, IdempotencyOutcome wouldBe, ServerWebExchange exchange) {
        RouteCounters route = route(routeId);
        route.observedOnly().increment();
        route.observed(wouldBe).increment();
    }

    @Override
    public void onSettlement(String routeId, KeySettlement settlement, int upstreamStatus) {
        route(routeId).settlement(settlement, upstreamStatus).increment();
    }

    /** Registers every outcome of a route at zero, so that increase() sees a route's first request too. */
    public void register(String routeId) {
        RouteCounters route = route(routeId);
        for (IdempotencyOutcome outcome : IdempotencyOutcome.values()) {
            route.requests(outcome);
        }
        route.observedOnly();
    }

    private RouteCounters route(String routeId) {
        RouteCounters route = this.routes.get(routeId);
        return route != null ? route : this.routes.computeIfAbsent(routeId, RouteCounters::new);
    }

    /** @param tags tag names and values, alternating */
    private Counter counter(String name, String... tags) {
        return this.counters.computeIfAbsent(new MeterKey(name, List.of(tags)), key -> Counter.builder(name)
            .description(DESCRIPTIONS.get(name))
            .tags(tags)
            .register(this.registry));
    }

    /** One route's counters, each registered on first use. */
    private final class RouteCounters {

        private static final int OUTCOMES = IdempotencyOutcome.values().length;

        private static final int STATUS_CLASSES = 6;

        private final String route;

        private final AtomicReferenceArray<Counter> requests = new AtomicReferenceArray<>(OUTCOMES + 1);

        private final AtomicReferenceArray<Counter> observed = new AtomicReferenceArray<>(OUTCOMES);

        private final AtomicReferenceArray<Counter> settlements = new AtomicReferenceArray<>(
                KeySettlement.values().length * STATUS_CLASSES);

        RouteCounters(String route) {
            this.route = route;
        }

        Counter requests(IdempotencyOutcome outcome) {
            return cached(this.requests, outcome.ordinal(), REQUESTS, "outcome", TagValues.of(outcome));
        }

        Counter observedOnly() {
            return cached(this.requests, OUTCOMES, REQUESTS, "outcome", TagValues.OBSERVED_ONLY);
        }

        Counter observed(IdempotencyOutcome wouldBe) {
            return cached(this.observed, wouldBe.ordinal(), OBSERVED, "would_be", TagValues.of(wouldBe));
        }

        Counter settlement(KeySettlement settlement, int upstreamStatus) {
            String statusClass = TagValues.statusClass(upstreamStatus);
            // 1xx..5xx at 0..4, none at 5
            int status = upstreamStatus >= 100 && upstreamStatus <= 599 ? upstreamStatus / 100 - 1 : STATUS_CLASSES - 1;
            Counter counter = this.settlements.get(settlement.ordinal() * STATUS_CLASSES + status);
            if (counter == null) {
                counter = counter(SETTLEMENTS, "route", this.route, "settlement", TagValues.of(settlement),
                        "upstream_status", statusClass);
                this.settlements.set(settlement.ordinal() * STATUS_CLASSES + status, counter);
            }
            return counter;
        }

        private Counter cached(AtomicReferenceArray<Counter> counters, int index, String name, String tag, String value) {
            Counter counter = counters.get(index);
            if (counter == null) {
                counter = counter(name, "route", this.route, tag, value);
                counters.set(index, counter);
            }
            return counter;
        }
    }

    private record MeterKey(String name, List<String> tags) {
    }
}
