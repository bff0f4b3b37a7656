package dev.idempotency.gateway.chaos;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.gateway.events.IdempotencyListener;
import dev.idempotency.gateway.events.KeySettlement;

/**
 * Counts how every gateway instance of the run settled its keys (stored, released, lease lost,
 * store failed...), summed over instances: the gateway's own account, printed beside the
 * checker's. Static because instances come and go during the run.
 */
public class ChaosSettlements implements IdempotencyListener {

    private static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

    @Override
    public void onSettlement(String routeId, KeySettlement settlement, int upstreamStatus) {
        COUNTS.computeIfAbsent(settlement.name(), name -> new LongAdder()).increment();
    }

    static void reset() {
        COUNTS.clear();
    }

    static Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        COUNTS.forEach((name, count) -> counts.put(name, count.sum()));
        return counts;
    }

    @Configuration(proxyBeanMethods = false)
    public static class Registration {

        @Bean
        ChaosSettlements chaosSettlements() {
            return new ChaosSettlements();
        }
    }
}
