package dev.idempotency.gateway.web;

import java.util.List;

/** The behaviour suite on the default in-memory store. */
class InMemoryIdempotencyTests extends IdempotencyBehaviourContract {

    @Override
    List<String> storeProperties() {
        return List.of("idempotency.store=memory");
    }
}
