package dev.idempotency.gateway.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Calls made at the same moment from threads of their own, for tests of atomicity: every thread
 * is started and waiting before a latch releases them all, so the calls overlap as much as the
 * machine allows.
 */
public final class ConcurrentCalls {

    private ConcurrentCalls() {
    }

    /** Runs {@code call} once per input, all released at once; the results in input order. */
    public static <I, O> List<O> race(List<I> inputs, Function<I, O> call) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(inputs.size());
        try {
            CountDownLatch ready = new CountDownLatch(inputs.size());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<O>> futures = new ArrayList<>();
            for (I input : inputs) {
                futures.add(threads.submit(() -> {
                    ready.countDown();
                    go.await();
                    return call.apply(input);
                }));
            }
            ready.await();
            go.countDown();
            List<O> results = new ArrayList<>();
            for (Future<O> future : futures) {
                results.add(future.get(30, TimeUnit.SECONDS));
            }
            return results;
        }
        finally {
            threads.shutdownNow();
        }
    }
}
