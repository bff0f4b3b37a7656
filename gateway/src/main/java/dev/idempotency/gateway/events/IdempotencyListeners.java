package dev.idempotency.gateway.events;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.web.server.ServerWebExchange;

/** Fans events out to every listener; a failing listener is logged and never fails a request. */
public final class IdempotencyListeners {

    private static final Log logger = LogFactory.getLog(IdempotencyListeners.class);

    // Non-capturing, so a delivery allocates nothing per request.
    private static final Delivery<IdempotencyOutcome> OUTCOME = (listener, routeId, outcome, exchange, status) -> listener
        .onOutcome(routeId, outcome, exchange);

    private static final Delivery<IdempotencyOutcome> OBSERVED = (listener, routeId, wouldBe, exchange, status) -> listener
        .onObserved(routeId, wouldBe, exchange);

    private static final Delivery<KeySettlement> SETTLEMENT = (listener, routeId, settlement, exchange, status) -> listener
        .onSettlement(routeId, settlement, status);

    private final List<IdempotencyListener> listeners;

    public IdempotencyListeners(List<IdempotencyListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    public void outcome(String routeId, IdempotencyOutcome outcome, ServerWebExchange exchange) {
        deliver(OUTCOME, "", routeId, outcome, exchange, 0);
    }

    public void observed(String routeId, IdempotencyOutcome wouldBe, ServerWebExchange exchange) {
        deliver(OBSERVED, "observed ", routeId, wouldBe, exchange, 0);
    }

    public void settlement(String routeId, KeySettlement settlement, int upstreamStatus) {
        deliver(SETTLEMENT, "", routeId, settlement, null, upstreamStatus);
    }

    private <E> void deliver(Delivery<E> delivery, String kind, String routeId, E event, ServerWebExchange exchange,
            int upstreamStatus) {
        for (IdempotencyListener listener : this.listeners) {
            try {
                delivery.to(listener, routeId, event, exchange, upstreamStatus);
            }
            catch (RuntimeException ex) {
                logger.warn("Idempotency listener " + listener + " failed on " + kind + event, ex);
            }
        }
    }

    @FunctionalInterface
    private interface Delivery<E> {

        void to(IdempotencyListener listener, String routeId, E event, ServerWebExchange exchange, int upstreamStatus);
    }
}
