package dev.idempotency.gateway.overload;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The concurrency limit in front of every route ({@code idempotency.overload.*}). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OverloadProperties.class)
public class OverloadConfiguration {

    @Bean
    ConcurrencyLimitFilter concurrencyLimitFilter(OverloadProperties properties, ObjectProvider<MeterRegistry> meters) {
        return new ConcurrencyLimitFilter(properties.getMaxConcurrentRequests(), properties.getRetryAfter(),
                meters.getIfAvailable());
    }
}
