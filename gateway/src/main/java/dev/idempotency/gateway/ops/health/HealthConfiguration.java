package dev.idempotency.gateway.ops.health;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

import dev.idempotency.gateway.config.IdempotencyProperties;

/**
 * The {@code idempotencyStore} health contributor, present with either store so that the
 * readiness group can always name it ({@code management.endpoint.health.group.readiness.include}).
 * It replaces Spring Boot's Redis indicator, which cannot tell whether Redis is in use.
 */
@Configuration(proxyBeanMethods = false)
public class HealthConfiguration {

    @Bean
    IdempotencyStoreHealthIndicator idempotencyStoreHealthIndicator(IdempotencyProperties properties,
            ObjectProvider<ReactiveRedisConnectionFactory> redis) {
        return new IdempotencyStoreHealthIndicator(
                properties.getStore() == IdempotencyProperties.StoreType.REDIS ? redis.getObject() : null);
    }
}
