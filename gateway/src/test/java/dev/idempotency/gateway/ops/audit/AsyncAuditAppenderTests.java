package dev.idempotency.gateway.ops.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The audit log's queue: the request's thread never waits for the console; what does not fit is dropped and counted. */
class AsyncAuditAppenderTests {

    final LoggerContext context = new LoggerContext();

    final CountDownLatch consoleBlocked = new CountDownLatch(1);

    final CountDownLatch consoleEntered = new CountDownLatch(1);

    final List<String> written = new CopyOnWriteArrayList<>();

    AsyncAuditAppender appender;

    Logger audit;

    @BeforeEach
    void start() {
        // What SLF4J's Logback provider sets on its own context.
        this.context.setMDCAdapter(new LogbackMDCAdapter());
        // A console that hangs until released: the pipe of a container runtime that does not drain it.
        AppenderBase<ILoggingEvent> console = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                AsyncAuditAppenderTests.this.consoleEntered.countDown();
                try {
                    AsyncAuditAppenderTests.this.consoleBlocked.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                AsyncAuditAppenderTests.this.written.add(event.getFormattedMessage() + " on " + event.getThreadName());
            }
        };
        console.setContext(this.context);
        console.start();
        Logger root = this.context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(console);
        this.appender = new AsyncAuditAppender(root, 2);
        this.appender.setContext(this.context);
        this.appender.start();
        this.audit = this.context.getLogger(AuditLog.LOGGER);
        this.audit.addAppender(this.appender);
        this.audit.setAdditive(false);
    }

    @AfterEach
    void stop() {
        this.consoleBlocked.countDown();
        this.appender.stop();
    }

    @Test
    void aFullQueueDropsAndCountsEventsInsteadOfBlockingTheRequestThread() throws InterruptedException {
        String thread = Thread.currentThread().getName();
        long droppedBefore = AsyncAuditAppender.dropped();
        this.audit.info("first");
        // The worker has taken the first event and hangs in the console; two more fill the queue.
        assertThat(this.consoleEntered.await(5, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        this.audit.info("second");
        this.audit.info("third");
        this.audit.info("fourth");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(AsyncAuditAppender.dropped() - droppedBefore).isEqualTo(1);

        this.consoleBlocked.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> this.written.size() == 3);
        // In order, each with the thread that logged it, not the writer's.
        assertThat(this.written).containsExactly("first on " + thread, "second on " + thread, "third on " + thread);
    }

    @Test
    void theWriterLooksEveryTenMillisecondsWhileLinesComeAndBacksOffToATenthOfASecondWhenQuiet() {
        long sleep = AsyncAuditAppender.DRAIN_INTERVAL_NANOS;
        assertThat(Duration.ofNanos(sleep)).isEqualTo(Duration.ofMillis(10));
        List<Duration> quiet = new ArrayList<>();
        for (int look = 0; look < 6; look++) {
            sleep = AsyncAuditAppender.nextSleepNanos(sleep, false);
            quiet.add(Duration.ofNanos(sleep));
        }
        assertThat(quiet).containsExactly(Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(80),
                Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(100));
        assertThat(Duration.ofNanos(AsyncAuditAppender.nextSleepNanos(sleep, true))).isEqualTo(Duration.ofMillis(10));
    }
}
