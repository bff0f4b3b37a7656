package dev.idempotency.gateway.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code args} of a {@code RateLimit} filter as flat property names, the way Spring Boot
 * flattens the YAML lists ({@code clientLimits[0].capacity=3}), for {@code Routes.filter}.
 */
final class RateLimitArgs {

    private final Map<String, Object> args = new LinkedHashMap<>();

    private int clientLimits;

    private int routeLimits;

    static RateLimitArgs limits() {
        return new RateLimitArgs();
    }

    /** A per-client bandwidth: {@code capacity} per {@code period}, greedy. */
    RateLimitArgs client(String name, long capacity, String period) {
        return limit("clientLimits[" + this.clientLimits++ + "]", name, capacity, period, null);
    }

    RateLimitArgs client(String name, long capacity, String period, String refillStyle) {
        return limit("clientLimits[" + this.clientLimits++ + "]", name, capacity, period, refillStyle);
    }

    /** A bandwidth for the whole route: {@code capacity} per {@code period}. */
    RateLimitArgs route(String name, long capacity, String period) {
        return limit("routeLimits[" + this.routeLimits++ + "]", name, capacity, period, null);
    }

    RateLimitArgs route(String name, long capacity, String period, String refillStyle) {
        return limit("routeLimits[" + this.routeLimits++ + "]", name, capacity, period, refillStyle);
    }

    RateLimitArgs arg(String name, Object value) {
        this.args.put(name, value);
        return this;
    }

    Map<String, Object> build() {
        return Map.copyOf(this.args);
    }

    private RateLimitArgs limit(String prefix, String name, long capacity, String period, String refillStyle) {
        if (name != null) {
            this.args.put(prefix + ".name", name);
        }
        this.args.put(prefix + ".capacity", capacity);
        this.args.put(prefix + ".refillPeriod", period);
        if (refillStyle != null) {
            this.args.put(prefix + ".refillStyle", refillStyle);
        }
        return this;
    }
}
