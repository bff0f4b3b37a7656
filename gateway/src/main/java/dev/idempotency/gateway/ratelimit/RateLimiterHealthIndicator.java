package dev.idempotency.gateway.ratelimit;

import java.time.Duration;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * The {@code rateLimiter} health contributor, in the readiness group: UP once the token buckets
 * can be used, so a replica takes no traffic while its rate limiter is still connecting to Redis
 * (its first requests would otherwise meet the limiter's failure policy with Redis up).
 */
final class RateLimiterHealthIndicator implements ReactiveHealthIndicator {

    // As the idempotencyStore indicator: under the chart's 2 s probe timeout.
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final TokenBuckets buckets;

    RateLimiterHealthIndicator(TokenBuckets buckets) {
        this.buckets = buckets;
    }

    @Override
    public Mono<Health> health() {
        String where = this.buckets instanceof RedisTokenBuckets ? "redis" : "memory";
        return this.buckets.ready()
            .timeout(TIMEOUT)
            .then(Mono.fromSupplier(() -> Health.up().withDetail("buckets", where).build()))
            .onErrorResume(ex -> Mono.just(Health.down(ex).withDetail("buckets", where).build()));
    }
}
