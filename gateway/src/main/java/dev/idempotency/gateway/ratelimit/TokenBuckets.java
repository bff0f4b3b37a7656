package dev.idempotency.gateway.ratelimit;

import reactor.core.publisher.Mono;

/**
 * Token buckets by key: in Redis, shared by every gateway replica, or in this JVM. A bucket that
 * does not exist yet is created full from its definition. The Redis implementation signals
 * {@link dev.idempotency.gateway.core.StoreUnavailableException} when it gets no answer.
 */
interface TokenBuckets {

    /** Completes once buckets can be used (Redis connected); buckets in this process always can. */
    default Mono<Void> ready() {
        return Mono.empty();
    }

    /** Takes one token if the bucket has one. */
    Mono<BucketProbe> tryConsume(String key, BucketDefinition definition);

    /** Gives back a token {@link #tryConsume} took, when another bucket refused the same request. */
    Mono<Void> giveBack(String key, BucketDefinition definition);

    /** Takes one token even below zero: for a request that reached the upstream without being counted. */
    Mono<Void> charge(String key, BucketDefinition definition);
}
