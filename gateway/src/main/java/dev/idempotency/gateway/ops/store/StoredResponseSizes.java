package dev.idempotency.gateway.ops.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@value #NAME} per route: the body bytes of every response stored for replay, in buckets from
 * 256 B to the 1 MB default limit, so that the size of the store and of Redis values can be planned.
 */
final class StoredResponseSizes {

    static final String NAME = "idempotency.stored.response.size";

    private static final double[] BUCKETS = { 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576 };

    private final MeterRegistry registry;

    private final Map<String, DistributionSummary> byRoute = new ConcurrentHashMap<>();

    StoredResponseSizes(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String routeId, int bodyBytes) {
        this.byRoute.computeIfAbsent(routeId, route -> DistributionSummary.builder(NAME)
                .description("Body size of responses stored for replay")
                .baseUnit("bytes")
                .tag("route", route)
                .serviceLevelObjectives(BUCKETS)
                .register(this.registry))
            .record(bodyBytes);
    }
}
