package dev.idempotency.gateway.ratelimit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which route declared each shared bucket name, so that a second route declaring
 * different limits under the same name fails at startup instead of silently getting its own
 * bucket (the limits' fingerprint is part of the key).
 */
final class SharedBuckets {

    private final Map<String, RateLimitPolicy> declared = new ConcurrentHashMap<>();

    void register(RateLimitPolicy policy) {
        String name = policy.sharedBucket();
        if (name == null) {
            return;
        }
        this.declared.compute(name, (unused, earlier) -> {
            // A route re-declaring its own bucket is a route refresh: its new limits win.
            if (earlier != null && !earlier.routeId().equals(policy.routeId()) && !earlier.sameLimitsAs(policy)) {
                throw new IllegalArgumentException("Route '" + policy.routeId() + "': RateLimit argument 'bucket' names '"
                        + name + "', which route '" + earlier.routeId() + "' declares with different limits; routes "
                        + "sharing a bucket must declare the same clientLimits and routeLimits");
            }
            return policy;
        });
    }
}
