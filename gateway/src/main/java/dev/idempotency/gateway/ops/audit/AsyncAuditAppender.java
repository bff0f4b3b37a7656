package dev.idempotency.gateway.ops.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Writes the audit log from a thread of its own. A request hands its event to a bounded queue and
 * goes on, so a slow console (a pipe the container runtime drains) never holds up an event loop,
 * and the line is formatted off the request's thread. When the queue is full the event is dropped
 * and counted ({@link #dropped()}, the metric {@code idempotency_audit_dropped_total}), never
 * waited for: the audit log must not slow down the requests it records. Events go to the root
 * logger's appenders, one after the other in the order they came, so the console format (plain or
 * structured) is the application's as before.
 */
final class AsyncAuditAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    static final String NAME = "IDEMPOTENCY_AUDIT_ASYNC";

    /** Enough for a burst of several seconds at the rates one gateway serves. */
    static final int QUEUE_SIZE = 8192;

    /** How long the worker sleeps after writing: the most an audit line waits while lines keep coming. */
    static final long DRAIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /**
     * The longest sleep, reached after a quiet spell: the most the first line after it waits. A
     * worker that looked every 10 ms forever cost an idle gateway 7 ms of CPU a second, about as
     * much as all its other threads together; ten looks a second cost a tenth of that.
     */
    static final long IDLE_DRAIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** At most this many events per lock hold, so that a stop's flush never waits long for the worker. */
    private static final int DRAIN_BATCH = 256;

    // Shared by every appender this JVM installed: a logging reset replaces the appender, not the count.
    private static final LongAdder DROPPED = new LongAdder();

    private final BlockingQueue<ILoggingEvent> queue;

    private final Logger target;

    private Thread worker;

    AsyncAuditAppender(Logger target, int queueSize) {
        this.target = target;
        this.queue = new ArrayBlockingQueue<>(queueSize);
    }

    /**
     * Routes the logger {@value AuditLog#LOGGER} through one started appender of this kind (again
     * after a logging reset, which stops it); nothing when the logging backend is not Logback.
     */
    static void install() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        Logger audit = context.getLogger(AuditLog.LOGGER);
        synchronized (AsyncAuditAppender.class) {
            Appender<ILoggingEvent> installed = audit.getAppender(NAME);
            if (installed != null && installed.isStarted()) {
                return;
            }
            AsyncAuditAppender appender = new AsyncAuditAppender(context.getLogger(Logger.ROOT_LOGGER_NAME), QUEUE_SIZE);
            appender.setContext(context);
            appender.setName(NAME);
            appender.start();
            audit.addAppender(appender);
            // The root's appenders get the event from the worker, not a second time from here.
            audit.setAdditive(false);
        }
    }

    /** Writes what is queued now, on the caller's thread: when the application stops. */
    static void flushInstalled() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getLogger(AuditLog.LOGGER).getAppender(NAME) instanceof AsyncAuditAppender appender) {
            appender.flush();
        }
    }

    /** The appender as an application's bean: installed with it, flushed when it closes. */
    static final class Installation implements AutoCloseable {

        Installation() {
            install();
        }

        @Override
        public void close() {
            flushInstalled();
        }
    }

    /** Audit events dropped because the queue was full, since the JVM started. */
    static long dropped() {
        return DROPPED.sum();
    }

    @Override
    protected void append(ILoggingEvent event) {
        // The message, thread name and MDC as they are now, on the request's thread.
        event.prepareForDeferredProcessing();
        if (!this.queue.offer(event)) {
            DROPPED.increment();
        }
    }

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        super.start();
        this.worker = new Thread(this::drain, "idempotency-audit");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        this.worker.interrupt();
        try {
            this.worker.join(1000);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        flush();
    }

    // Drains in batches and sleeps between them instead of waiting on the queue: a worker that
    // waits must be woken by every event, a system call on the request's thread and a thread switch
    // per audit line, which at thousands of lines a second cost more than writing them.
    private void drain() {
        List<ILoggingEvent> batch = new ArrayList<>(DRAIN_BATCH);
        long sleep = DRAIN_INTERVAL_NANOS;
        while (isStarted()) {
            boolean wrote = writeBatch(batch);
            if (!wrote) {
                LockSupport.parkNanos(sleep);
                // Only stop() ends the loop; a stray interrupt would otherwise keep park from sleeping.
                Thread.interrupted();
            }
            sleep = nextSleepNanos(sleep, wrote);
        }
    }

    /** Back to the short sleep once there was something to write; each empty look doubles it, up to the idle one. */
    static long nextSleepNanos(long sleptNanos, boolean wroteSome) {
        return wroteSome ? DRAIN_INTERVAL_NANOS : Math.min(sleptNanos * 2, IDLE_DRAIN_INTERVAL_NANOS);
    }

    // Under the same lock as flush(): events taken from the queue are written before any taken after them.
    private synchronized boolean writeBatch(List<ILoggingEvent> batch) {
        if (this.queue.drainTo(batch, DRAIN_BATCH) == 0) {
            return false;
        }
        for (ILoggingEvent event : batch) {
            try {
                this.target.callAppenders(event);
            }
            catch (RuntimeException ex) {
                addError("Audit event not written", ex);
            }
        }
        batch.clear();
        return true;
    }

    private synchronized void flush() {
        ILoggingEvent event;
        while ((event = this.queue.poll()) != null) {
            this.target.callAppenders(event);
        }
    }
}
