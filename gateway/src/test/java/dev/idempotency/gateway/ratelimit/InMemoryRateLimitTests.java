package dev.idempotency.gateway.ratelimit;

import java.util.List;

/** The behaviour suite with buckets in the gateway's memory ({@code idempotency.store=memory}). */
class InMemoryRateLimitTests extends RateLimitBehaviourContract {

    @Override
    List<String> storeProperties() {
        return List.of("idempotency.store=memory");
    }
}
