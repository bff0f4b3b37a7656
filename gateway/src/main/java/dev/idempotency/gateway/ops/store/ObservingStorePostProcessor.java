package dev.idempotency.gateway.ops.store;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

import dev.idempotency.gateway.core.IdempotencyStore;

/**
 * Wraps whichever {@link IdempotencyStore} bean the configuration chose (memory, Redis, or a
 * user's own) in {@link ObservedIdempotencyStore}. A post-processor rather than a second store
 * bean: the store beans are {@code @ConditionalOnMissingBean}, and another store bean would
 * silently replace the real one.
 */
final class ObservingStorePostProcessor implements BeanPostProcessor {

    private final ObjectProvider<ObservationRegistry> observationRegistry;

    private final ObjectProvider<MeterRegistry> meterRegistry;

    ObservingStorePostProcessor(ObjectProvider<ObservationRegistry> observationRegistry,
            ObjectProvider<MeterRegistry> meterRegistry) {
        this.observationRegistry = observationRegistry;
        this.meterRegistry = meterRegistry;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof IdempotencyStore store && !(bean instanceof ObservedIdempotencyStore)) {
            MeterRegistry meters = this.meterRegistry.getIfAvailable(SimpleMeterRegistry::new);
            return new ObservedIdempotencyStore(store,
                    new StoreObservation(this.observationRegistry.getIfAvailable(() -> ObservationRegistry.NOOP), meters),
                    new StoredResponseSizes(meters));
        }
        return bean;
    }
}
