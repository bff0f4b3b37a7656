package dev.idempotency.gateway.events;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.web.server.ServerWebExchange;

/** Fans events out to every listener; a failing listener is logged and never fails a request. */
public final class IdempotencyListeners {

    private static final Log logger = LogFactory.getLog(IdempotencyListeners.class);

    private final List<IdempotencyListener> listeners;

    public IdempotencyListeners(List<IdempotencyListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    public void outcome(String routeId, IdempotencyOutcome outcome, ServerWebExchange exchange) {
        for (IdempotencyListener listener : this.listeners) {
            try {
                listener.onOutcome(routeId, outcome, exchange);
            }
            catch (RuntimeException ex) {
                logger.warn("Idempotency listener " + listener + " failed on " + outcome, ex);
            }
        }
    }

    public void observed(String routeId, IdempotencyOutcome wouldBe, ServerWebExchange exchange) {
        for (IdempotencyListener listener : this.listeners) {
            try {
                listener.onObserved(routeId, wouldBe, exchange);
            }
            catch (RuntimeException ex) {
                logger.warn("Idempotency listener " + listener + " failed on observed " + wouldBe, ex);
            }
        }
    }

    public void settlement(String routeId, KeySettlement settlement, int upstreamStatus) {
        for (IdempotencyListener listener : this.listeners) {
            try {
                listener.onSettlement(routeId, settlement, upstreamStatus);
            }
            catch (RuntimeException ex) {
                logger.warn("Idempotency listener " + listener + " failed on " + settlement, ex);
            }
        }
    }
}
