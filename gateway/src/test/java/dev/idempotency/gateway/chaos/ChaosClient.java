package dev.idempotency.gateway.chaos;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import dev.idempotency.gateway.chaos.ChaosHistory.Action;
import dev.idempotency.gateway.chaos.ChaosHistory.Attempt;
import dev.idempotency.gateway.chaos.ChaosHistory.Order;
import dev.idempotency.gateway.chaos.ChaosHistory.Result;
import dev.idempotency.gateway.testsupport.RawHttpClient;

/**
 * One client of the run: places orders one after another, each with its own key, and retries
 * every order until it gets a definite answer (backing off on 409, 503 and released statuses),
 * then sends a few duplicates that must be replays. Every decision comes from the client's own
 * seeded {@link Random}: which instance, how the upstream behaves, whether to double-click, give
 * up early or drop the connection mid-upload.
 */
final class ChaosClient implements Runnable {

    private static final AtomicLong ATTEMPTS = new AtomicLong();

    private final int id;

    private final Random random;

    private final ChaosRun run;

    private final ExecutorService doubleClicks;

    private int orders;

    ChaosClient(int id, long seed, ChaosRun run, ExecutorService doubleClicks) {
        this.id = id;
        this.random = new Random(seed * 1_000_003L + id);
        this.run = run;
        this.doubleClicks = doubleClicks;
    }

    @Override
    public void run() {
        while (System.nanoTime() < this.run.loadEndNanos()) {
            placeOrder();
            sleep(this.random.nextInt(20));
        }
    }

    private void placeOrder() {
        String key = String.format("c%02d-o%06d", this.id, this.orders++);
        String path = "/chaos/orders/" + key;
        byte[] body = ("{\"client\":\"c" + this.id + "\",\"order\":\"" + key + "\",\"item\":\"sku-" + this.random.nextInt(10_000)
                + "\",\"qty\":" + (1 + this.random.nextInt(9)) + "}").getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        long deadline = start + ChaosRun.ORDER_DEADLINE.toNanos();
        boolean answered = false;
        int attempts = 0;
        while (!answered && System.nanoTime() < deadline) {
            List<Attempt> sent = new ArrayList<>();
            if (this.random.nextInt(100) < 8) {
                // A double click: two identical requests at once, maybe through two instances.
                this.run.history().doubleClicks.incrementAndGet();
                Plan second = plan();
                CompletableFuture<Attempt> other = CompletableFuture
                    .supplyAsync(() -> attempt(this.id, key, path, body, second, false), this.doubleClicks);
                sent.add(attempt(this.id, key, path, body, plan(), false));
                sent.add(other.join());
            }
            else {
                sent.add(attempt(this.id, key, path, body, plan(), false));
            }
            attempts += sent.size();
            answered = sent.stream().anyMatch(Attempt::definite);
            if (!answered) {
                sleep(50 + this.random.nextInt(250));
            }
        }
        this.run.history().orders.add(new Order(this.id, key, path, body, start, System.nanoTime(), answered, attempts));
        if (answered) {
            // Duplicates after the answer: each must be a replay of the stored result.
            for (int i = this.random.nextInt(3); i > 0; i--) {
                attempt(this.id, key, path, body, new Plan(behaviour(), Action.PATIENT, 0), false);
            }
        }
    }

    /** A later retry of an answered order, after every fault has stopped: the result must still be there. */
    Attempt sweep(Order order) {
        return attempt(order.client(), order.key(), order.path(), order.body(), new Plan("ok:0", Action.PATIENT, 0), true);
    }

    private Plan plan() {
        int roll = this.random.nextInt(100);
        Action action = roll < 4 ? Action.ABORT_UPLOAD : roll < 16 ? Action.IMPATIENT : Action.PATIENT;
        return new Plan(behaviour(), action, 50 + this.random.nextInt(1150));
    }

    /** How the upstream will behave if this attempt is forwarded; delays stay below the route's 1 s response timeout except "slow". */
    private String behaviour() {
        int roll = this.random.nextInt(100);
        if (roll < 50) {
            return "ok:" + this.random.nextInt(50);
        }
        if (roll < 64) {
            return "ok:" + (100 + this.random.nextInt(500));
        }
        if (roll < 67) {
            return "500:" + this.random.nextInt(50);
        }
        if (roll < 70) {
            return "400:" + this.random.nextInt(50);
        }
        if (roll < 77) {
            return "503:" + this.random.nextInt(100);
        }
        if (roll < 80) {
            return "429:" + this.random.nextInt(100);
        }
        if (roll < 84) {
            return "reset:" + this.random.nextInt(200);
        }
        if (roll < 88) {
            return "empty:" + this.random.nextInt(200);
        }
        if (roll < 92) {
            return "slow:" + (ChaosRun.RESPONSE_TIMEOUT_MS + 300 + this.random.nextInt(300));
        }
        if (roll < 95) {
            return "large:0";
        }
        return "ok:" + (600 + this.random.nextInt(300));
    }

    private Attempt attempt(int client, String key, String path, byte[] body, Plan plan, boolean sweep) {
        long id = ATTEMPTS.incrementAndGet();
        ChaosRun.Instance instance = this.run.pickInstance(this.random);
        byte[] request = RawHttpClient.request("POST", path)
            .header("X-Client-Id", "c" + client)
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .header(ChaosUpstream.BEHAVIOUR_HEADER, plan.behaviour())
            .header(ChaosUpstream.ATTEMPT_HEADER, Long.toString(id))
            .body(body)
            .build();
        long start = System.nanoTime();
        Result result;
        RawHttpClient.Response response = null;
        RawHttpClient connection;
        try {
            connection = RawHttpClient.connect("127.0.0.1", instance.port(), Duration.ofSeconds(2));
        }
        catch (IOException ex) {
            return record(new Attempt(id, client, key, path, instance.id(), plan.behaviour(), plan.action(), sweep, start,
                    System.nanoTime(), Result.REFUSED, null));
        }
        boolean reset = this.random.nextBoolean();
        try {
            if (plan.action() == Action.ABORT_UPLOAD) {
                // The head and part of the body, then gone: the gateway must never forward this.
                connection.write(request, 0, request.length - 1 - this.random.nextInt(body.length / 2));
                sleep(this.random.nextInt(30));
                result = Result.UPLOAD_ABORTED;
            }
            else {
                connection.write(request);
                Duration wait = plan.action() == Action.IMPATIENT ? Duration.ofMillis(plan.patienceMillis())
                        : ChaosRun.PATIENT_TIMEOUT;
                response = connection.readResponse(wait, false);
                result = Result.RESPONSE;
            }
        }
        catch (SocketTimeoutException gaveUp) {
            result = plan.action() == Action.IMPATIENT ? Result.GAVE_UP : Result.LOST;
        }
        catch (ConnectException refused) {
            result = Result.REFUSED;
        }
        catch (IOException | RuntimeException broken) {
            result = Result.LOST;
        }
        finally {
            if (reset) {
                connection.reset();
            }
            else {
                connection.close();
            }
        }
        return record(new Attempt(id, client, key, path, instance.id(), plan.behaviour(), plan.action(), sweep, start,
                System.nanoTime(), result, response));
    }

    private Attempt record(Attempt attempt) {
        this.run.history().attempts.add(attempt);
        return attempt;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private record Plan(String behaviour, Action action, int patienceMillis) {
    }
}
