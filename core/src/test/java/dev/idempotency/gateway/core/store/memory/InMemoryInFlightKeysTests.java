package dev.idempotency.gateway.store;

import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.store.memory.InMemoryInFlightKeys;

class InMemoryInFlightKeysTests extends InFlightKeysContract {

    private final InFlightKeys inFlightKeys = new InMemoryInFlightKeys();

    @Override
    InFlightKeys inFlightKeys() {
        return this.inFlightKeys;
    }
}
