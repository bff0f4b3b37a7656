package dev.idempotency.gateway.web;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

import dev.idempotency.gateway.core.ScopedKey;

/**
 * Results handed to their clients while the store was down, still being stored in the background
 * ({@link KeyLease}). They live only in this process, so a graceful stop waits for them: after the
 * web server has drained the requests in flight (which may add more) and before it stops, within
 * the shutdown grace period ({@code spring.lifecycle.timeout-per-shutdown-phase}, counted from the
 * moment the context began to close, so that drain and flush together fit in the one grace period
 * the Helm chart budgets for). Readiness is already {@code REFUSING_TRAFFIC} by then: Spring Boot
 * publishes it before any lifecycle stops. What is still pending at the deadline is given up,
 * logged (count by route) and counted ({@code idempotency_pending_stores_abandoned_total}, for a
 * registry still read at exit; the log line is the record): a retry of those keys may execute
 * again once their lease runs out, as after a crash.
 */
public final class PendingStores implements SmartLifecycle, ApplicationListener<ContextClosedEvent> {

    /** After the graceful drain of requests in flight, before the web server stops. */
    public static final int PHASE = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE - 512;

    private static final Log logger = LogFactory.getLog(PendingStores.class);

    private static final long POLL_MILLIS = 20;

    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();

    private final Duration gracePeriod;

    /** Registered up front: Spring Boot closes the meter registries before lifecycles stop. */
    private final Counter abandonedCounter;

    private final AtomicLong abandoned = new AtomicLong();

    private volatile long closingSince;

    private volatile boolean running;

    /**
     * @param gracePeriod how long after the context begins to close pending stores may still land
     * @param meters where the gauge and the abandoned count go; {@code null} for none
     */
    public PendingStores(Duration gracePeriod, MeterRegistry meters) {
        this.gracePeriod = gracePeriod;
        if (meters != null) {
            Gauge.builder("idempotency.pending.stores", this.pending, Set::size)
                .description("Results handed to their clients and still being stored in the background")
                .register(meters);
            this.abandonedCounter = Counter.builder("idempotency.pending.stores.abandoned")
                .description("Results still not stored when the gateway stopped: their retries may execute again")
                .register(meters);
        }
        else {
            this.abandonedCounter = null;
        }
    }

    /**
     * Subscribes to {@code store} (a background store that retries until it is done) and keeps it
     * until it ends; {@code onStored} and {@code onError} get its outcome. Given up on a stop.
     */
    void track(ScopedKey key, Mono<Boolean> store, Consumer<Boolean> onStored, Consumer<Throwable> onError) {
        Pending entry = new Pending(key.routeId());
        this.pending.add(entry);
        Disposable subscription = store.doFinally(signal -> this.pending.remove(entry))
            .subscribe(onStored, onError);
        entry.subscription.update(subscription);
        if (this.closingSince != 0 && !this.running) {
            // Started after the flush: nobody will wait for it.
            abandon(Set.of(entry));
        }
    }

    /** Background stores in progress now. */
    public int size() {
        return this.pending.size();
    }

    /** Background stores given up so far (only a stop gives any up). */
    public long abandoned() {
        return this.abandoned.get();
    }

    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        if (this.closingSince == 0) {
            this.closingSince = System.nanoTime();
        }
    }

    @Override
    public void start() {
        this.running = true;
    }

    /** Waits for the pending stores until the grace period ends, then gives up the rest. */
    @Override
    public void stop() {
        long since = this.closingSince != 0 ? this.closingSince : System.nanoTime();
        this.closingSince = since;
        long deadline = since + this.gracePeriod.toNanos();
        int waitingFor = this.pending.size();
        if (waitingFor > 0) {
            logger.info("Stopping: " + waitingFor + " result(s) handed to their clients are still being stored; waiting up to "
                    + Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + " ms for the store");
        }
        while (!this.pending.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        this.running = false;
        if (this.pending.isEmpty()) {
            if (waitingFor > 0) {
                logger.info("Stopping: every pending result was stored");
            }
            return;
        }
        abandon(Set.copyOf(this.pending));
    }

    private void abandon(Set<Pending> entries) {
        Map<String, Integer> byRoute = new TreeMap<>();
        for (Pending entry : entries) {
            if (!this.pending.remove(entry)) {
                continue;
            }
            entry.subscription.dispose();
            this.abandoned.incrementAndGet();
            byRoute.merge(entry.routeId, 1, Integer::sum);
            if (this.abandonedCounter != null) {
                this.abandonedCounter.increment();
            }
        }
        if (!byRoute.isEmpty()) {
            int total = byRoute.values().stream().mapToInt(Integer::intValue).sum();
            logger.error("Stopped with " + total + " result(s) not stored (the store did not answer within the shutdown "
                    + "grace period of " + this.gracePeriod + "), by route " + byRoute
                    + ": a retry of those keys may execute again once their lease runs out");
        }
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private static final class Pending {

        private final String routeId;

        private final Disposable.Swap subscription = Disposables.swap();

        Pending(String routeId) {
            this.routeId = routeId;
        }
    }
}
