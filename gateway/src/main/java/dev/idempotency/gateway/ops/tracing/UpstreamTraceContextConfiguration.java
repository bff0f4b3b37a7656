package dev.idempotency.gateway.ops.tracing;

import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The upstream's trace context without Spring Cloud Gateway's client observation: present while
 * that observation is off, as the gateway's {@code application.yml} ships it, so that exactly one
 * of the two writes {@code traceparent}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "spring.cloud.gateway.server.webflux.observability.enabled", havingValue = "false")
public class UpstreamTraceContextConfiguration {

    // Not @ConditionalOnBean: the propagator comes from an auto-configuration, which Spring Boot
    // processes after this class, so the condition would never see it.
    @Bean
    UpstreamTraceContextFilter upstreamTraceContextFilter(ObjectProvider<Propagator> propagator) {
        return new UpstreamTraceContextFilter(propagator.getIfAvailable(() -> Propagator.NOOP));
    }
}
