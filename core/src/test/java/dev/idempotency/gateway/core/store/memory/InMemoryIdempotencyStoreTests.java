package dev.idempotency.gateway.store;

import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.store.memory.InMemoryIdempotencyStore;

class InMemoryIdempotencyStoreTests extends IdempotencyStoreContract {

    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10_000);

    @Override
    IdempotencyStore store() {
        return this.store;
    }
}
