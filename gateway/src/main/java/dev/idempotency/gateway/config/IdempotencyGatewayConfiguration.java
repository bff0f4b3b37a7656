package dev.idempotency.gateway.config;

import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.store.memory.InMemoryIdempotencyStore;
import dev.idempotency.gateway.core.store.memory.InMemoryInFlightKeys;
import dev.idempotency.gateway.events.IdempotencyListener;
import dev.idempotency.gateway.identity.ClientIdentityResolvers;
import dev.idempotency.gateway.problem.ProblemErrorWebExceptionHandler;
import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory;
import dev.idempotency.gateway.web.PendingStores;
import dev.idempotency.gateway.web.RequestFramingFilter;
import dev.idempotency.gateway.web.UpstreamRequestTracker;

/**
 * Wires the Idempotency filter factory and what it needs beside client identity
 * ({@code identity/}) and the Redis store ({@code store/redis/}): the clock, the memory store, the
 * request framing check and the problem handler.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(IdempotencyProperties.class)
public class IdempotencyGatewayConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = IdempotencyProperties.PREFIX, name = "store", havingValue = "memory", matchIfMissing = true)
    IdempotencyStore inMemoryIdempotencyStore(IdempotencyProperties properties) {
        return new InMemoryIdempotencyStore(properties.getMemory().getMaxEntries());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = IdempotencyProperties.PREFIX, name = "store", havingValue = "memory", matchIfMissing = true)
    InFlightKeys inMemoryInFlightKeys() {
        return new InMemoryInFlightKeys();
    }

    @Bean
    IdempotencyGatewayFilterFactory idempotencyGatewayFilterFactory(IdempotencyStore store, InFlightKeys inFlightKeys,
            ClientIdentityResolvers clientIdentityResolvers, IdempotencyProperties properties,
            ObjectProvider<IdempotencyListener> listeners, Clock clock, PendingStores pendingStores) {
        return new IdempotencyGatewayFilterFactory(store, inFlightKeys, clientIdentityResolvers, properties.getDefaults(),
                listeners.orderedStream().toList(), clock, pendingStores);
    }

    /** Results still being stored in the background: a graceful stop waits for them within its grace period. */
    @Bean
    PendingStores pendingStores(Environment environment, ObjectProvider<MeterRegistry> meters) {
        Duration gracePeriod = Binder.get(environment)
            .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
            .orElse(Duration.ofSeconds(30));
        return new PendingStores(gracePeriod, meters.getIfAvailable());
    }

    /** Refuses requests whose body length cannot be known, on every route. */
    @Bean
    RequestFramingFilter requestFramingFilter() {
        return new RequestFramingFilter();
    }

    /** Tells the Idempotency filter whether a failed upstream call had begun to send the request. */
    @Bean
    UpstreamRequestTracker upstreamRequestTracker() {
        return new UpstreamRequestTracker();
    }

    @Bean
    ProblemErrorWebExceptionHandler problemErrorWebExceptionHandler() {
        return new ProblemErrorWebExceptionHandler();
    }
}
