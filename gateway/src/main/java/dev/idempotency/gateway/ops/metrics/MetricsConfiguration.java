package dev.idempotency.gateway.ops.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinitionLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory;

/** Counts the Idempotency filter's decisions into the application's meter registry (scraped at /actuator/prometheus). */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

    @Bean
    IdempotencyMetrics idempotencyMetrics(MeterRegistry registry) {
        return new IdempotencyMetrics(registry);
    }

    /** Also the JWT sources' {@link dev.idempotency.gateway.identity.JwkSetObserver}. */
    @Bean
    IdentityMetrics identityMetrics(MeterRegistry registry) {
        return new IdentityMetrics(registry);
    }

    @Bean
    ProtectedRoutes protectedRoutes(RouteDefinitionLocator routeDefinitionLocator, GatewayProperties gatewayProperties,
            IdempotencyGatewayFilterFactory filterFactory, IdempotencyMetrics metrics) {
        return new ProtectedRoutes(routeDefinitionLocator, gatewayProperties, filterFactory.name(), metrics);
    }
}
