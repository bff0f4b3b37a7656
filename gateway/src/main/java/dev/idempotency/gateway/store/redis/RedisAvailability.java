package dev.idempotency.gateway.store.redis;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How long this gateway has seen Redis answer without a failure: the evidence its calls bring to
 * the lease scripts, which count a claim's lease only over time the caller saw Redis answering. A
 * failed call (a timeout, a refused or dropped connection) resets it to nothing; the first answer
 * after that starts it again. Before its first answer a gateway has seen nothing, and counts nothing.
 */
final class RedisAvailability {

    private static final long NONE = Long.MIN_VALUE;

    private final AtomicLong answeringSince = new AtomicLong(NONE);

    /** A call failed: whatever came before it proves nothing about now. */
    void failed() {
        this.answeringSince.set(NONE);
    }

    /** A call was answered: the evidence starts now, if it had not started already. */
    void answered() {
        if (this.answeringSince.get() == NONE) {
            this.answeringSince.compareAndSet(NONE, System.nanoTime());
        }
    }

    /** Milliseconds since the first answer after the last failure; 0 if there is none. */
    long answeringMillis() {
        long since = this.answeringSince.get();
        return (since == NONE) ? 0 : Math.max(0, (System.nanoTime() - since) / 1_000_000);
    }
}
