package dev.idempotency.gateway.web;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

import dev.idempotency.gateway.events.IdempotencyListeners;
import dev.idempotency.gateway.events.IdempotencyListener;
import dev.idempotency.gateway.events.KeySettlement;

/** Records each settlement a key lease reports, as "KIND status". */
final class SettlementLog implements IdempotencyListener {

    private final List<String> settlements = new CopyOnWriteArrayList<>();

    @Override
    public void onSettlement(String routeId, KeySettlement settlement, int upstreamStatus) {
        this.settlements.add(settlement + " " + upstreamStatus);
    }

    List<String> settlements() {
        return List.copyOf(this.settlements);
    }

    IdempotencyListeners listeners() {
        return new IdempotencyListeners(List.of(this));
    }

    /** Waits up to {@code within} for exactly these settlements. */
    void await(Duration within, String... expected) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (!this.settlements.equals(List.of(expected)) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(settlements()).containsExactly(expected);
    }
}
