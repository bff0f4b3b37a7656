package dev.idempotency.gateway.ratelimit;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Global settings of the RateLimit filter, under {@value #PREFIX}. Where buckets live follows
 * {@code idempotency.store}: Redis (shared by replicas) or this JVM.
 */
@ConfigurationProperties(RateLimitProperties.PREFIX)
public class RateLimitProperties {

    public static final String PREFIX = "idempotency.rate-limit";

    /** Defaults for every route's RateLimit filter; a route's args override them one by one. */
    @NestedConfigurationProperty
    private final RateLimitGatewayFilterFactory.Config defaults = new RateLimitGatewayFilterFactory.Config();

    private final Redis redis = new Redis();

    private final Memory memory = new Memory();

    public RateLimitGatewayFilterFactory.Config getDefaults() {
        return this.defaults;
    }

    public Redis getRedis() {
        return this.redis;
    }

    public Memory getMemory() {
        return this.memory;
    }

    public static class Redis {

        /** Prefix of every bucket's Redis key. */
        private String keyPrefix = "rl:";

        /** Compare-and-swap attempts on one bucket under contention before the limiter counts as unavailable. */
        private int maxRetries = 16;

        /** Longest wait for Redis per bucket operation; past it the limiter counts as unavailable. */
        private Duration timeout = Duration.ofMillis(500);

        /** How long a bucket stays in Redis after it would have refilled completely. */
        private Duration keepAfterRefill = Duration.ofSeconds(5);

        public String getKeyPrefix() {
            return this.keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public int getMaxRetries() {
            return this.maxRetries;
        }

        public void setMaxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
        }

        public Duration getTimeout() {
            return this.timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public Duration getKeepAfterRefill() {
            return this.keepAfterRefill;
        }

        public void setKeepAfterRefill(Duration keepAfterRefill) {
            this.keepAfterRefill = keepAfterRefill;
        }
    }

    public static class Memory {

        /** Upper bound on buckets held; past it the least used are dropped (their clients start full). */
        private long maxBuckets = 100_000;

        public long getMaxBuckets() {
            return this.maxBuckets;
        }

        public void setMaxBuckets(long maxBuckets) {
            this.maxBuckets = maxBuckets;
        }
    }
}
