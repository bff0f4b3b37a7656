package dev.idempotency.gateway.web;

import java.util.List;

/** The route-rules suite on the default in-memory store. */
class InMemoryRouteRulesTests extends RouteRulesContract {

    @Override
    List<String> storeProperties() {
        return List.of("idempotency.store=memory");
    }
}
