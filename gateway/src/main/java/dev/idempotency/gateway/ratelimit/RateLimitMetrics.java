package dev.idempotency.gateway.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * One route's counter {@value #REQUESTS}, tagged {@code route} and {@code outcome}: allowed,
 * limited (429), fail_open (limiter unreachable, let through), fail_closed (limiter unreachable,
 * 503) and unchecked (went upstream without the Idempotency filter's admission; charged after).
 */
final class RateLimitMetrics {

    static final String REQUESTS = "gateway.ratelimit.requests";

    private final Counter allowed;

    private final Counter limited;

    private final Counter failOpen;

    private final Counter failClosed;

    private final Counter unchecked;

    RateLimitMetrics(MeterRegistry registry, String routeId) {
        this.allowed = counter(registry, routeId, "allowed");
        this.limited = counter(registry, routeId, "limited");
        this.failOpen = counter(registry, routeId, "fail_open");
        this.failClosed = counter(registry, routeId, "fail_closed");
        this.unchecked = counter(registry, routeId, "unchecked");
    }

    private static Counter counter(MeterRegistry registry, String routeId, String outcome) {
        return Counter.builder(REQUESTS)
            .description("Requests seen by the RateLimit filter, by outcome")
            .tag("route", routeId)
            .tag("outcome", outcome)
            .register(registry);
    }

    void decided(RateLimitDecision decision) {
        (decision.allowed() ? this.allowed : this.limited).increment();
    }

    void failedOpen() {
        this.failOpen.increment();
    }

    void failedClosed() {
        this.failClosed.increment();
    }

    void unchecked() {
        this.unchecked.increment();
    }
}
