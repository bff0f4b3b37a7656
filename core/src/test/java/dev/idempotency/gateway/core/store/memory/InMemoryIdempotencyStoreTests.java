package dev.idempotency.gateway.core.store.memory;

import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.store.IdempotencyStoreContract;

class InMemoryIdempotencyStoreTests extends IdempotencyStoreContract {

    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10_000);

    @Override
    protected IdempotencyStore store() {
        return this.store;
    }
}
