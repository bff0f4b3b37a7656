package dev.idempotency.gateway.core.store;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * In-memory wake-ups for requests waiting on a key: one sink per key that someone waits on,
 * shared by all its waiters, fired and dropped when the key settles. Waiting costs a map entry,
 * not a thread or a poll.
 */
public final class SettlementSignals {

    private final Map<String, Sinks.Empty<Void>> waiting = new ConcurrentHashMap<>();

    /** Completes on {@link #signal} for {@code id} or after {@code maxWait}. */
    public Mono<Void> await(String id, Duration maxWait) {
        return Mono.defer(() -> {
            Sinks.Empty<Void> sink = this.waiting.computeIfAbsent(id, unused -> Sinks.empty());
            return sink.asMono()
                .timeout(maxWait, Mono.empty())
                .doFinally(signal -> {
                    // The last waiter to leave removes an unfired sink, so abandoned keys do not pile up.
                    if (sink.currentSubscriberCount() == 0) {
                        this.waiting.remove(id, sink);
                    }
                });
        });
    }

    /** Wakes every waiter on {@code id}. */
    public void signal(String id) {
        Sinks.Empty<Void> sink = this.waiting.remove(id);
        if (sink != null) {
            sink.tryEmitEmpty();
        }
    }

    /** How many keys have waiters; for tests and metrics. */
    public int waitedKeys() {
        return this.waiting.size();
    }
}
