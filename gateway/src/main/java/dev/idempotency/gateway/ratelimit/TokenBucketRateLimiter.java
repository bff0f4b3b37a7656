package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.event.FilterArgsEvent;
import org.springframework.cloud.gateway.filter.ratelimit.AbstractRateLimiter;
import org.springframework.cloud.gateway.support.ConfigurationService;
import reactor.core.publisher.Mono;

/**
 * This gateway's token buckets behind Spring Cloud Gateway's own {@code RequestRateLimiter}, for
 * routes that keep that filter: name the bean ({@code rate-limiter: "#{@tokenBucketRateLimiter}"})
 * and keep {@code RedisRateLimiter}'s three numbers under {@code token-bucket-rate-limiter.*}.
 * They map onto one bandwidth as docs/migrating-from-request-rate-limiter.md says: a request takes
 * one token, the bucket holds {@code burstCapacity / requestedTokens}, and {@code replenishRate}
 * tokens come back every {@code requestedTokens} seconds.
 *
 * <p>Buckets live where {@code idempotency.store} says (Redis or this JVM). Like
 * {@code RedisRateLimiter}, an unreachable store lets the request pass.
 */
public final class TokenBucketRateLimiter extends AbstractRateLimiter<TokenBucketRateLimiter.Config> {

    /** The prefix of this limiter's route arguments. */
    public static final String CONFIGURATION_PROPERTY_NAME = "token-bucket-rate-limiter";

    private static final Log logger = LogFactory.getLog(TokenBucketRateLimiter.class);

    private final TokenBuckets buckets;

    TokenBucketRateLimiter(TokenBuckets buckets, ConfigurationService configurationService) {
        super(Config.class, CONFIGURATION_PROPERTY_NAME, configurationService);
        this.buckets = buckets;
    }

    @Override
    public void onApplicationEvent(FilterArgsEvent event) {
        super.onApplicationEvent(event);
        Config config = getConfig().get(event.getRouteId());
        if (config != null) {
            // Fails the route's definition now rather than its first request.
            config.definition(event.getRouteId());
        }
    }

    @Override
    public Mono<Response> isAllowed(String routeId, String id) {
        Config config = getConfig().get(routeId);
        if (config == null) {
            return Mono.error(new IllegalArgumentException("Route '" + routeId + "' names tokenBucketRateLimiter "
                    + "but has no " + CONFIGURATION_PROPERTY_NAME + ".* arguments"));
        }
        BucketDefinition definition = config.definition(routeId);
        // Never a raw key in Redis: it is usually a client id.
        String key = "scg:" + routeId + ":" + RateLimitPolicy.digest(id) + ":" + definition.fingerprint();
        return this.buckets.tryConsume(key, definition)
            .map(probe -> new Response(probe.consumed(), config.headers(probe.remaining())))
            .onErrorResume(ex -> {
                logger.debug("Rate limiter unavailable for route " + routeId + ", letting the request pass: " + ex);
                return Mono.just(new Response(true, config.headers(-1)));
            });
    }

    /** {@code RedisRateLimiter}'s numbers, bound from the route's {@code token-bucket-rate-limiter.*} arguments. */
    public static class Config {

        private int replenishRate;

        private long burstCapacity = 1;

        private int requestedTokens = 1;

        private volatile BucketDefinition definition;

        public int getReplenishRate() {
            return this.replenishRate;
        }

        public Config setReplenishRate(int replenishRate) {
            this.replenishRate = replenishRate;
            return this;
        }

        public long getBurstCapacity() {
            return this.burstCapacity;
        }

        public Config setBurstCapacity(long burstCapacity) {
            this.burstCapacity = burstCapacity;
            return this;
        }

        public int getRequestedTokens() {
            return this.requestedTokens;
        }

        public Config setRequestedTokens(int requestedTokens) {
            this.requestedTokens = requestedTokens;
            return this;
        }

        BucketDefinition definition(String routeId) {
            BucketDefinition built = this.definition;
            if (built == null) {
                String prefix = "Route '" + routeId + "': " + CONFIGURATION_PROPERTY_NAME + ".";
                if (this.replenishRate < 1 || this.requestedTokens < 1) {
                    throw new IllegalArgumentException(prefix + "replenishRate and requestedTokens must be at least 1 (were "
                            + this.replenishRate + " and " + this.requestedTokens + ")");
                }
                if (this.burstCapacity < this.requestedTokens) {
                    throw new IllegalArgumentException(prefix + "burstCapacity must be at least requestedTokens ("
                            + this.requestedTokens + ") (was " + this.burstCapacity + ")");
                }
                Limit limit = new Limit().setName("scg")
                    .setCapacity(this.burstCapacity / this.requestedTokens)
                    .setRefillTokens((long) this.replenishRate)
                    .setRefillPeriod(Duration.ofSeconds(this.requestedTokens));
                ArgumentCheck check = new ArgumentCheck(routeId);
                built = BucketDefinition.of(List.of(limit), CONFIGURATION_PROPERTY_NAME, "scg", check);
                check.throwIfAny();
                this.definition = built;
            }
            return built;
        }

        /** The headers {@code RedisRateLimiter} sends, in its units (tokens); {@code -1} when unknown. */
        Map<String, String> headers(long remainingRequests) {
            long remainingTokens = remainingRequests < 0 ? -1 : remainingRequests * this.requestedTokens;
            return Map.of("X-RateLimit-Remaining", Long.toString(remainingTokens),
                    "X-RateLimit-Replenish-Rate", Integer.toString(this.replenishRate),
                    "X-RateLimit-Burst-Capacity", Long.toString(this.burstCapacity),
                    "X-RateLimit-Requested-Tokens", Integer.toString(this.requestedTokens));
        }
    }
}
