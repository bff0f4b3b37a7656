package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Methods on one route whose keyed requests recently went upstream without the Idempotency
 * filter asking for admission (no Idempotency filter on the route, one protecting other methods,
 * or its store failing open). For a while such requests are charged up front again, so a route
 * misconfigured for free replays costs its clients tokens instead of handing out free requests.
 */
final class UnguardedMethods {

    private static final long FORGET_AFTER_NANOS = Duration.ofMinutes(5).toNanos();

    private final Map<String, Long> seenAt = new ConcurrentHashMap<>();

    void saw(String method) {
        this.seenAt.put(method, System.nanoTime());
    }

    boolean recentlySaw(String method) {
        Long seen = this.seenAt.get(method);
        if (seen == null) {
            return false;
        }
        if (System.nanoTime() - seen < FORGET_AFTER_NANOS) {
            return true;
        }
        this.seenAt.remove(method, seen);
        return false;
    }
}
