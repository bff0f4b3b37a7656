package dev.idempotency.gateway.core.store.memory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.ClientScope;
import dev.idempotency.gateway.core.InFlightKeys;

/**
 * {@link InFlightKeys} for one gateway instance: per client, a map of fencing token to lease
 * expiry. Expired entries are dropped whenever the client's map is touched, and a map is removed
 * once it is empty, so only clients with keys in flight take memory.
 */
public class InMemoryInFlightKeys implements InFlightKeys {

    private final Map<ClientScope, Map<Long, Long>> held = new ConcurrentHashMap<>();

    private final LongSupplier nanoTime;

    public InMemoryInFlightKeys() {
        this(System::nanoTime);
    }

    InMemoryInFlightKeys(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    @Override
    public Mono<Boolean> hold(ClientScope client, long fencingToken, int max, Duration lease) {
        return Mono.fromSupplier(() -> {
            AtomicBoolean holds = new AtomicBoolean();
            this.held.compute(client, (scope, entries) -> {
                long now = this.nanoTime.getAsLong();
                Map<Long, Long> live = entries != null ? entries : new HashMap<>();
                live.values().removeIf(expiry -> expiry - now <= 0);
                if (live.containsKey(fencingToken) || live.size() < max) {
                    live.put(fencingToken, now + lease.toNanos());
                    holds.set(true);
                }
                return live.isEmpty() ? null : live;
            });
            return holds.get();
        });
    }

    @Override
    public Mono<Void> free(ClientScope client, long fencingToken) {
        return Mono.fromRunnable(() -> this.held.computeIfPresent(client, (scope, entries) -> {
            entries.remove(fencingToken);
            return entries.isEmpty() ? null : entries;
        }));
    }
}
