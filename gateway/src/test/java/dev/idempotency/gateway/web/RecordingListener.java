package dev.idempotency.gateway.web;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.gateway.events.IdempotencyListener;
import dev.idempotency.gateway.events.IdempotencyOutcome;
import dev.idempotency.gateway.events.KeySettlement;

/** Records what the Idempotency filter reports, as "route:OUTCOME", "route:observed:OUTCOME", "route:settled:KIND". */
public class RecordingListener implements IdempotencyListener {

    private final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void onOutcome(String routeId, IdempotencyOutcome outcome, ServerWebExchange exchange) {
        this.events.add(routeId + ":" + outcome);
    }

    @Override
    public void onObserved(String routeId, IdempotencyOutcome wouldBe, ServerWebExchange exchange) {
        this.events.add(routeId + ":observed:" + wouldBe);
    }

    @Override
    public void onSettlement(String routeId, KeySettlement settlement, int upstreamStatus) {
        this.events.add(routeId + ":settled:" + settlement);
    }

    public List<String> events() {
        return List.copyOf(this.events);
    }

    public void clear() {
        this.events.clear();
    }

    @Configuration(proxyBeanMethods = false)
    public static class Registration {

        @Bean
        RecordingListener recordingListener() {
            return new RecordingListener();
        }
    }
}
