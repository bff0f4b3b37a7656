package dev.idempotency.gateway.overload;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code idempotency.overload.*}: how many requests the gateway works on at once before it refuses more. */
@ConfigurationProperties(OverloadProperties.PREFIX)
public class OverloadProperties {

    public static final String PREFIX = "idempotency.overload";

    /**
     * Requests on routes the gateway works on at once (all routes, replays included); past it a
     * request is refused with 503 overloaded before any filter of its route runs. 0 turns the
     * limit off.
     */
    private int maxConcurrentRequests = 512;

    /** The Retry-After of a refusal. */
    private Duration retryAfter = Duration.ofSeconds(1);

    public int getMaxConcurrentRequests() {
        return this.maxConcurrentRequests;
    }

    public void setMaxConcurrentRequests(int maxConcurrentRequests) {
        if (maxConcurrentRequests < 0) {
            throw new IllegalArgumentException(PREFIX + ".max-concurrent-requests must be 0 (no limit) or more, was "
                    + maxConcurrentRequests);
        }
        this.maxConcurrentRequests = maxConcurrentRequests;
    }

    public Duration getRetryAfter() {
        return this.retryAfter;
    }

    public void setRetryAfter(Duration retryAfter) {
        if (retryAfter.isNegative() || retryAfter.toSeconds() < 1) {
            throw new IllegalArgumentException(PREFIX + ".retry-after must be at least 1s (Retry-After counts whole "
                    + "seconds), was " + retryAfter);
        }
        this.retryAfter = retryAfter;
    }
}
