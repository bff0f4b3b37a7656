package dev.idempotency.gateway.ratelimit;

import io.lettuce.core.AbstractRedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.config.IdempotencyProperties;
import dev.idempotency.gateway.identity.ClientIdentityResolvers;

/** Wires the RateLimit filter: buckets where {@code idempotency.store} says, the limiter, the factory. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RateLimitProperties.class)
public class RateLimitConfiguration {

    @Bean
    TokenBuckets rateLimitTokenBuckets(IdempotencyProperties idempotency, RateLimitProperties properties,
            ObjectProvider<LettuceConnectionFactory> connectionFactory) {
        if (idempotency.getStore() == IdempotencyProperties.StoreType.MEMORY) {
            return new LocalTokenBuckets(properties.getMemory().getMaxBuckets());
        }
        LettuceConnectionFactory factory = connectionFactory.getIfAvailable();
        if (factory == null) {
            throw new IllegalStateException("idempotency.store=redis needs Spring Boot's Lettuce connection factory "
                    + "(spring-boot-starter-data-redis-reactive with the Lettuce driver)");
        }
        AbstractRedisClient client = factory.getRequiredNativeClient();
        RedisTokenBuckets buckets = new RedisTokenBuckets(client, factory.getDatabase(), properties.getRedis());
        buckets.warmUp();
        return buckets;
    }

    /**
     * The same buckets for routes that keep Spring Cloud Gateway's {@code RequestRateLimiter}; only by
     * name ({@code "#{@tokenBucketRateLimiter}"}), so its default rate limiter stays its own.
     */
    @Bean(defaultCandidate = false)
    TokenBucketRateLimiter tokenBucketRateLimiter(TokenBuckets rateLimitTokenBuckets,
            ConfigurationService configurationService) {
        return new TokenBucketRateLimiter(rateLimitTokenBuckets, configurationService);
    }

    /** Named {@code rateLimiter} in health and in {@code management.endpoint.health.group.readiness.include}. */
    @Bean
    RateLimiterHealthIndicator rateLimiterHealthIndicator(TokenBuckets rateLimitTokenBuckets) {
        return new RateLimiterHealthIndicator(rateLimitTokenBuckets);
    }

    @Bean
    RateLimitGatewayFilterFactory rateLimitGatewayFilterFactory(TokenBuckets rateLimitTokenBuckets,
            ClientIdentityResolvers clientIdentityResolvers, RateLimitProperties properties,
            ObjectProvider<MeterRegistry> meterRegistry) {
        return new RateLimitGatewayFilterFactory(new RateLimiter(rateLimitTokenBuckets), clientIdentityResolvers,
                meterRegistry.getIfAvailable(SimpleMeterRegistry::new), properties.getDefaults());
    }
}
