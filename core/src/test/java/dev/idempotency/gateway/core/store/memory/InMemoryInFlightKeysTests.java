package dev.idempotency.gateway.core.store.memory;

import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.store.InFlightKeysContract;

class InMemoryInFlightKeysTests extends InFlightKeysContract {

    private final InFlightKeys inFlightKeys = new InMemoryInFlightKeys();

    @Override
    protected InFlightKeys inFlightKeys() {
        return this.inFlightKeys;
    }
}
