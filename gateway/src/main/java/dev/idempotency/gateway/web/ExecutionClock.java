package dev.idempotency.gateway.web;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The one timer of a forwarded request: it renews the key's lease every third of its length and
 * ends the upstream exchange at the route's executionTimeout. At most one task is pending at a
 * time, on the event loop of the request's connection. Reactor's {@code timeout} and
 * {@code interval} took two tasks per request on a shared scheduler thread, each scheduled and
 * cancelled across threads; a request the upstream answers before its first renewal is due
 * (nearly all of them) now schedules one task on its own loop and cancels it there.
 */
final class ExecutionClock {

    private static final Log logger = LogFactory.getLog(ExecutionClock.class);

    private final RequestEventLoop loop;

    private final Duration executionTimeout;

    private final Sinks.Empty<Void> expiry = Sinks.empty();

    private Supplier<Mono<Boolean>> renewal;

    private long renewalPeriod;

    private long nextRenewal;

    private long deadline;

    private boolean expired;

    private boolean renewing;

    private boolean stopped;

    private Disposable task;

    /** Counts renewals, so a late subscription handle never stands for a later renewal. */
    private long renewals;

    private boolean renewalRunning;

    private Disposable renewalSubscription;

    ExecutionClock(RequestEventLoop loop, Duration executionTimeout) {
        this.loop = loop;
        this.executionTimeout = executionTimeout;
    }

    /**
     * {@code exchange}, failed with a {@link TimeoutException} (and cancelled) when it has not
     * ended by executionTimeout after {@link #start}.
     */
    Mono<Void> bounded(Mono<Void> exchange) {
        return exchange.timeout(this.expiry.asMono(), Mono.error(() -> new TimeoutException(
                "The upstream did not answer within the route's executionTimeout of " + this.executionTimeout)));
    }

    /** Starts the clock: {@code renewal} runs every {@code period} until it answers false or the clock stops. */
    synchronized void start(Supplier<Mono<Boolean>> renewal, Duration period) {
        long now = System.nanoTime();
        this.renewal = renewal;
        this.renewalPeriod = period.toNanos();
        this.nextRenewal = now + this.renewalPeriod;
        this.deadline = now + this.executionTimeout.toNanos();
        this.renewing = true;
        scheduleNext(now);
    }

    /** Stops renewing and the timeout; a renewal under way is cancelled. */
    void stop() {
        Disposable pending;
        Disposable renewing;
        synchronized (this) {
            this.stopped = true;
            pending = this.task;
            renewing = this.renewalSubscription;
            this.task = null;
            this.renewalSubscription = null;
        }
        if (pending != null) {
            pending.dispose();
        }
        if (renewing != null) {
            renewing.dispose();
        }
    }

    private void tick() {
        boolean expire = false;
        long renewal = -1;
        synchronized (this) {
            this.task = null;
            if (this.stopped) {
                return;
            }
            long now = System.nanoTime();
            if (!this.expired && now - this.deadline >= 0) {
                this.expired = true;
                expire = true;
            }
            if (this.renewing && !this.renewalRunning && now - this.nextRenewal >= 0) {
                // The next renewal waits for this one's end, as one after the other.
                this.renewalRunning = true;
                renewal = ++this.renewals;
            }
            scheduleNext(now);
        }
        if (expire) {
            this.expiry.tryEmitEmpty();
        }
        if (renewal >= 0) {
            renew(renewal);
        }
    }

    private void renew(long renewal) {
        Disposable subscription = this.renewal.get().subscribe(stillOwned -> renewed(renewal, stillOwned), error -> {
            // Store outages answer true (retried on the next tick); anything else ends the renewals.
            logger.debug("Lease renewal failed; no further renewals: " + error);
            renewed(renewal, false);
        }, () -> renewed(renewal, true)); // no answer: try again on the next tick
        boolean cancel;
        synchronized (this) {
            cancel = this.stopped;
            if (!cancel && this.renewalRunning && this.renewals == renewal) {
                this.renewalSubscription = subscription;
            }
        }
        if (cancel) {
            subscription.dispose();
        }
    }

    private synchronized void renewed(long renewal, boolean stillOwned) {
        if (this.stopped || this.renewals != renewal || !this.renewalRunning) {
            return;
        }
        this.renewalRunning = false;
        this.renewalSubscription = null;
        this.renewing = stillOwned;
        this.nextRenewal += this.renewalPeriod;
        scheduleNext(System.nanoTime());
    }

    // Holds the lock: one task at a time, for whichever comes first of the next renewal and the deadline.
    private void scheduleNext(long now) {
        if (this.stopped) {
            return;
        }
        long next = Long.MAX_VALUE;
        boolean due = false;
        if (this.renewing && !this.renewalRunning) {
            next = this.nextRenewal;
            due = true;
        }
        if (!this.expired && (!due || this.deadline - next < 0)) {
            next = this.deadline;
            due = true;
        }
        if (this.task != null) {
            this.task.dispose();
            this.task = null;
        }
        if (due) {
            this.task = this.loop.schedule(this::tick, Math.max(0, next - now));
        }
    }
}
