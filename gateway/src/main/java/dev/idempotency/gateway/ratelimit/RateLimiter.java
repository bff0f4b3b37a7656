package dev.idempotency.gateway.ratelimit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.ratelimit.RateLimitPolicy.BucketKeys;

/**
 * Takes a request's token from its buckets and states the outcome as a {@link RateLimitDecision}.
 *
 * <p>With a per-client limit and a route ceiling both apply and the stricter wins, without
 * charging the bucket that said yes when the other says no. The client's bucket goes first: an
 * abusive client is refused there and never touches the ceiling everyone shares (nor its hot
 * Redis key). Only when the client's bucket took a token and the ceiling then refuses is that
 * token given back. The two buckets are separate Redis keys, possibly on different cluster
 * slots, so one atomic script over both is not an option; a compensating give-back is one more
 * round trip on the rare path instead of an estimate round trip on every request.
 */
final class RateLimiter {

    private static final Log logger = LogFactory.getLog(RateLimiter.class);

    private final TokenBuckets buckets;

    RateLimiter(TokenBuckets buckets) {
        this.buckets = buckets;
    }

    Mono<RateLimitDecision> consume(RateLimitPolicy policy, BucketKeys keys) {
        if (keys.client() == null) {
            return take(keys.route(), policy.route(), false);
        }
        Mono<RateLimitDecision> client = take(keys.client(), policy.client(), true);
        if (keys.route() == null) {
            return client;
        }
        return client.flatMap(perClient -> !perClient.allowed() ? Mono.just(perClient)
                : take(keys.route(), policy.route(), false).flatMap(ceiling -> ceiling.allowed()
                        ? Mono.just(stricter(perClient, ceiling))
                        : giveBack(keys.client(), policy.client()).thenReturn(ceiling)));
    }

    /** Counts a request that went upstream without {@link #consume}: it may drive the buckets below zero. */
    Mono<Void> charge(RateLimitPolicy policy, BucketKeys keys) {
        Mono<Void> client = keys.client() == null ? Mono.empty() : this.buckets.charge(keys.client(), policy.client());
        Mono<Void> route = keys.route() == null ? Mono.empty() : this.buckets.charge(keys.route(), policy.route());
        return client.then(route);
    }

    private Mono<RateLimitDecision> take(String key, BucketDefinition definition, boolean perClient) {
        return this.buckets.tryConsume(key, definition).map(probe -> RateLimitDecision.of(probe, definition, perClient));
    }

    // The request is refused anyway; a lost give-back costs the client one token at most.
    private Mono<Void> giveBack(String key, BucketDefinition definition) {
        return this.buckets.giveBack(key, definition).onErrorResume(ex -> {
            logger.debug("Could not give back a token to " + key + ": " + ex.getMessage());
            return Mono.empty();
        });
    }

    private static RateLimitDecision stricter(RateLimitDecision perClient, RateLimitDecision ceiling) {
        return ceiling.remaining() < perClient.remaining() ? ceiling : perClient;
    }
}
