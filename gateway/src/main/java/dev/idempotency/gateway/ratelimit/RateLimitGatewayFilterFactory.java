package dev.idempotency.gateway.ratelimit;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;

import dev.idempotency.gateway.identity.ClientIdentityResolver;
import dev.idempotency.gateway.identity.ClientIdentityResolvers;
import dev.idempotency.gateway.rules.RouteFilterConfig;

/**
 * Binds the {@code RateLimit} route filter's arguments and builds the filter. Each route starts
 * from the global defaults ({@code idempotency.rate-limit.defaults.*}) and overrides what its
 * args name; a list argument replaces the default list as a whole.
 *
 * <pre>
 * filters:
 *   - name: RateLimit
 *     args:
 *       clientLimits:
 *         - { capacity: 100, refillPeriod: 1m }
 *       routeLimits:
 *         - { name: ceiling, capacity: 1000, refillPeriod: 1m }
 * </pre>
 *
 * There is no one-line shortcut form: a limit is a list of structured bandwidths.
 */
public class RateLimitGatewayFilterFactory extends AbstractGatewayFilterFactory<RateLimitGatewayFilterFactory.Config> {

    private final RateLimiter limiter;

    private final ClientIdentityResolvers clientIdentityResolvers;

    private final MeterRegistry meterRegistry;

    private final Config defaults;

    private final SharedBuckets sharedBuckets = new SharedBuckets();

    RateLimitGatewayFilterFactory(RateLimiter limiter, ClientIdentityResolvers clientIdentityResolvers,
            MeterRegistry meterRegistry, Config defaults) {
        super(Config.class);
        this.limiter = limiter;
        this.clientIdentityResolvers = clientIdentityResolvers;
        this.meterRegistry = meterRegistry;
        this.defaults = defaults;
    }

    @Override
    public Config newConfig() {
        return this.defaults.copy();
    }

    @Override
    public GatewayFilter apply(Config config) {
        RateLimitPolicy policy = RateLimitPolicy.of(config);
        this.sharedBuckets.register(policy);
        ClientIdentityResolver clientIdentityResolver = this.clientIdentityResolvers.forRoute(config.getRouteId(),
                "RateLimit", config.getClientIdentity());
        return new RateLimitGatewayFilter(policy, this.limiter, clientIdentityResolver,
                new RateLimitMetrics(this.meterRegistry, policy.routeId()));
    }

    /** The arguments of one route's {@code RateLimit} filter. */
    public static class Config extends RouteFilterConfig<Config> {

        private List<Limit> clientLimits = new ArrayList<>();

        private List<Limit> routeLimits = new ArrayList<>();

        private String bucket;

        private boolean replaysConsumeTokens = true;

        private boolean denyAnonymous = true;

        private boolean ietfHeaders = true;

        private boolean legacyHeaders = true;

        public Config() {
            super(true);
        }

        /** Also copies each limit: a route's copy shares none with the defaults. */
        @Override
        public Config copy() {
            Config copy = super.copy();
            copy.clientLimits = copyOf(this.clientLimits);
            copy.routeLimits = copyOf(this.routeLimits);
            return copy;
        }

        private static List<Limit> copyOf(List<Limit> limits) {
            List<Limit> copy = new ArrayList<>();
            limits.forEach(limit -> copy.add(limit == null ? null : limit.copy()));
            return copy;
        }

        public List<Limit> getClientLimits() {
            return this.clientLimits;
        }

        /** Bandwidths each client gets on this route (one bucket per client). */
        public Config setClientLimits(List<Limit> clientLimits) {
            this.clientLimits = new ArrayList<>(clientLimits);
            return this;
        }

        public List<Limit> getRouteLimits() {
            return this.routeLimits;
        }

        /** Bandwidths for all clients of the route together (one bucket): a ceiling protecting the backend. */
        public Config setRouteLimits(List<Limit> routeLimits) {
            this.routeLimits = new ArrayList<>(routeLimits);
            return this;
        }

        public String getBucket() {
            return this.bucket;
        }

        /** A name routes declaring the same limits share buckets under; unset, buckets belong to the route. */
        public Config setBucket(String bucket) {
            this.bucket = bucket == null || bucket.isBlank() ? null : bucket.strip();
            return this;
        }

        public boolean isReplaysConsumeTokens() {
            return this.replaysConsumeTokens;
        }

        /** Whether an idempotent replay costs a token like any request (default) or is free. */
        public Config setReplaysConsumeTokens(boolean replaysConsumeTokens) {
            this.replaysConsumeTokens = replaysConsumeTokens;
            return this;
        }

        public boolean isDenyAnonymous() {
            return this.denyAnonymous;
        }

        /** With client limits: reject requests without a client identity (400) rather than pool them in one bucket. */
        public Config setDenyAnonymous(boolean denyAnonymous) {
            this.denyAnonymous = denyAnonymous;
            return this;
        }

        public boolean isIetfHeaders() {
            return this.ietfHeaders;
        }

        /** Send {@code RateLimit-Policy} and {@code RateLimit}. */
        public Config setIetfHeaders(boolean ietfHeaders) {
            this.ietfHeaders = ietfHeaders;
            return this;
        }

        public boolean isLegacyHeaders() {
            return this.legacyHeaders;
        }

        /** Send {@code X-RateLimit-Remaining}, {@code -Burst-Capacity} and {@code -Requested-Tokens}. */
        public Config setLegacyHeaders(boolean legacyHeaders) {
            this.legacyHeaders = legacyHeaders;
            return this;
        }
    }
}
