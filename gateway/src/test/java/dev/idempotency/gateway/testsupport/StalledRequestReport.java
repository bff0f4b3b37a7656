package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Fails a test request that gets no answer in time with what the JVM was doing: every thread's
 * stack and the machine's TCP sockets on the request's port. Management requests went unanswered
 * for 20 s twice in CI (never reproduced here), and a bare client timeout says nothing about where
 * they stalled; this makes the next occurrence explain itself.
 */
public final class StalledRequestReport {

    private StalledRequestReport() {
    }

    /** Answers fail after {@code patience} with the report in the exception message and on stderr. */
    public static ExchangeFilterFunction after(Duration patience) {
        // The report runs ss and walks every thread: off the timer's non-blocking thread.
        return (request, next) -> next.exchange(request).timeout(patience, Mono.defer(() -> {
            String report = "No answer in " + patience.toSeconds() + " s to " + request.method() + " " + request.url()
                    + "\n" + sockets(request.url().getPort()) + threads();
            System.err.println(report);
            return Mono.<ClientResponse>error(new IllegalStateException(report));
        }).subscribeOn(Schedulers.boundedElastic()));
    }

    private static String sockets(int port) {
        try {
            Process ss = new ProcessBuilder("ss", "-tanoi", "( sport = :" + port + " or dport = :" + port + " )")
                .redirectErrorStream(true).start();
            return "Sockets on port " + port + ":\n" + new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            return "Sockets on port " + port + ": ss did not run (" + ex.getMessage() + ")\n";
        }
    }

    private static String threads() {
        StringBuilder dump = new StringBuilder("Threads:\n");
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
            if (thread.getLockName() != null) {
                dump.append(" on ").append(thread.getLockName());
            }
            if (thread.getLockOwnerName() != null) {
                dump.append(" owned by \"").append(thread.getLockOwnerName()).append('"');
            }
            dump.append('\n');
            for (StackTraceElement frame : thread.getStackTrace()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        return dump.toString();
    }
}
