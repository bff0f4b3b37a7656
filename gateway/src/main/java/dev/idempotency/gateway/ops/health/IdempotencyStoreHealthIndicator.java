package dev.idempotency.gateway.ops.health;

import java.time.Duration;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Whether the idempotency store can answer: Redis answers {@code PING}, or the store lives in this
 * process. In the readiness group only: a replica that cannot reach Redis stops taking traffic but
 * is not restarted, since a restart does not bring Redis back.
 */
final class IdempotencyStoreHealthIndicator implements ReactiveHealthIndicator {

    // Under the chart's 2 s probe timeout, and as long as the store's own command timeout.
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final ReactiveRedisConnectionFactory redis;

    /** @param redis the connection factory, or {@code null} for the in-memory store */
    IdempotencyStoreHealthIndicator(ReactiveRedisConnectionFactory redis) {
        this.redis = redis;
    }

    @Override
    public Mono<Health> health() {
        if (this.redis == null) {
            return Mono.just(Health.up().withDetail("store", "memory").build());
        }
        // getReactiveConnection() opens the shared connection when there is none yet (a blocking
        // connect, up to the connect timeout): never on the event loop that serves the probe, which
        // may be one of the loops that serve traffic.
        return Mono.usingWhen(Mono.fromSupplier(this.redis::getReactiveConnection).subscribeOn(Schedulers.boundedElastic()),
                ReactiveRedisConnection::ping, ReactiveRedisConnection::closeLater)
            .timeout(TIMEOUT)
            .map(pong -> Health.up().withDetail("store", "redis").build())
            .onErrorResume(ex -> Mono.just(Health.down(ex).withDetail("store", "redis").build()));
    }
}
