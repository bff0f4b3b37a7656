package dev.idempotency.gateway.ops.store;

import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Observes every store operation (spans and timers) and records stored-response sizes. */
@Configuration(proxyBeanMethods = false)
public class StoreObservationConfiguration {

    /** Buckets for {@code histogram_quantile}: a Redis round trip is sub-millisecond, a lock wait up to seconds. */
    private static final double[] LATENCY_BUCKETS_NANOS = LongStream.of(250, 500, 1_000, 2_500, 5_000, 10_000, 25_000,
            50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000)
        .mapToDouble(micros -> TimeUnit.MICROSECONDS.toNanos(micros))
        .toArray();

    // Static: a post-processor must not pull the configuration class (and its dependencies) in early.
    @Bean
    static ObservingStorePostProcessor observingStorePostProcessor(ObjectProvider<ObservationRegistry> observationRegistry,
            ObjectProvider<MeterRegistry> meterRegistry) {
        return new ObservingStorePostProcessor(observationRegistry, meterRegistry);
    }

    @Bean
    MeterFilter storeLatencyBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() != Meter.Type.TIMER || !StoreObservation.NAME.equals(id.getName())) {
                    return config;
                }
                return DistributionStatisticConfig.builder()
                    .serviceLevelObjectives(LATENCY_BUCKETS_NANOS)
                    .build()
                    .merge(config);
            }
        };
    }
}
