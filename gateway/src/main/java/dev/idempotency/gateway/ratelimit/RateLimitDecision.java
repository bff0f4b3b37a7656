package dev.idempotency.gateway.ratelimit;

import java.time.Duration;

import dev.idempotency.gateway.ratelimit.BucketDefinition.Policy;

/**
 * The limiter's answer for one request, stated in the terms of the policy that binds: the one
 * that refused it, or, when it passed, the one with the fewest requests left.
 *
 * @param allowed whether the request may go on
 * @param policy the binding policy
 * @param perClient whether that policy is counted per client (else for the whole route)
 * @param remaining requests left under it
 * @param untilMore whole seconds until it grants more; when refused, the Retry-After.
 *        {@code null} when nothing more can come (the bucket is full)
 */
record RateLimitDecision(boolean allowed, Policy policy, boolean perClient, long remaining, Duration untilMore) {

    // Far beyond any window: Bucket4j's answer when the bucket can never hold one more token.
    private static final long NEVER = Duration.ofDays(3650).toNanos();

    static RateLimitDecision of(BucketProbe probe, BucketDefinition definition, boolean perClient) {
        Policy policy = definition.policies().get(probe.bindingBandwidth());
        Duration untilMore = probe.nanosUntilMore() >= NEVER ? null
                : Duration.ofSeconds(Math.max(probe.consumed() ? 0 : 1,
                        BucketDefinition.ceilSeconds(Duration.ofNanos(probe.nanosUntilMore()))));
        return new RateLimitDecision(probe.consumed(), policy, perClient, probe.remaining(), untilMore);
    }

    /** The whole seconds a refused client should wait; never less than one. */
    Duration retryAfter() {
        return this.untilMore != null ? this.untilMore : Duration.ofSeconds(this.policy.windowSeconds());
    }
}
