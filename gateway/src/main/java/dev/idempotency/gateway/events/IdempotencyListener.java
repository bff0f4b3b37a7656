package dev.idempotency.gateway.events;

import org.springframework.web.server.ServerWebExchange;

/**
 * Hears what the Idempotency filter decides, for metrics and audit logs. Called on the request's
 * thread: implementations must be quick and must not block. Every bean of this type is called.
 */
public interface IdempotencyListener {

    /**
     * One call per request the filter sees.
     * @param routeId the route
     * @param outcome what was done
     * @param exchange the exchange, e.g. for the resolved client identity or the key header
     */
    default void onOutcome(String routeId, IdempotencyOutcome outcome, ServerWebExchange exchange) {
    }

    /**
     * One call per request that a route in observe mode forwarded although enforcing would have
     * answered it itself; the request was forwarded unchanged.
     * @param routeId the route
     * @param wouldBe what enforcing would have done (replay, conflict, mismatch, a 400...)
     * @param exchange the exchange
     */
    default void onObserved(String routeId, IdempotencyOutcome wouldBe, ServerWebExchange exchange) {
    }

    /**
     * One call per executed request, when its key is settled.
     * @param routeId the route
     * @param settlement how the key was settled
     * @param upstreamStatus the upstream's status, or 0 when there was none
     */
    default void onSettlement(String routeId, KeySettlement settlement, int upstreamStatus) {
    }
}
