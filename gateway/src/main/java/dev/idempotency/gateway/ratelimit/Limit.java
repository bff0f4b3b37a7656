package dev.idempotency.gateway.ratelimit;

import java.time.Duration;

/**
 * One bandwidth of a route's limit as a user writes it: up to {@code capacity} requests at once,
 * refilled by {@code refillTokens} every {@code refillPeriod}, greedily (token by token) or
 * intervally (all at the end of each period). Mutable for binding; {@link BucketDefinition}
 * checks and freezes it.
 */
public class Limit {

    private String name;

    private long capacity;

    private Long refillTokens;

    private Duration refillPeriod;

    private String refillStyle = RefillStyle.GREEDY.argument();

    Limit copy() {
        Limit copy = new Limit();
        copy.name = this.name;
        copy.capacity = this.capacity;
        copy.refillTokens = this.refillTokens;
        copy.refillPeriod = this.refillPeriod;
        copy.refillStyle = this.refillStyle;
        return copy;
    }

    public String getName() {
        return this.name;
    }

    /** The policy name in the RateLimit headers; defaults to "client"/"route" (plus "-2", "-3"... for more). */
    public Limit setName(String name) {
        this.name = name;
        return this;
    }

    public long getCapacity() {
        return this.capacity;
    }

    /** Requests allowed in a burst; at least 1. */
    public Limit setCapacity(long capacity) {
        this.capacity = capacity;
        return this;
    }

    public Long getRefillTokens() {
        return this.refillTokens;
    }

    /** Tokens added per refill period; defaults to the capacity ("capacity per period"). */
    public Limit setRefillTokens(Long refillTokens) {
        this.refillTokens = refillTokens;
        return this;
    }

    public Duration getRefillPeriod() {
        return this.refillPeriod;
    }

    /** Required, such as {@code 1m}. */
    public Limit setRefillPeriod(Duration refillPeriod) {
        this.refillPeriod = refillPeriod;
        return this;
    }

    public String getRefillStyle() {
        return this.refillStyle;
    }

    /** {@code greedy} (default) or {@code intervally}. */
    public Limit setRefillStyle(String refillStyle) {
        this.refillStyle = refillStyle;
        return this;
    }

    /** The refill tokens the user wrote, or the capacity when they wrote none. */
    long effectiveRefillTokens() {
        return this.refillTokens != null ? this.refillTokens : this.capacity;
    }
}
