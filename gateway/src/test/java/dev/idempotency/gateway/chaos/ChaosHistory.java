package dev.idempotency.gateway.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.cluster.SlotHash;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StorageIds;
import dev.idempotency.gateway.testsupport.RawHttpClient;

/**
 * Everything the clients and the fault injector saw, appended concurrently during the run and
 * read by {@link ExactlyOnceChecker} afterwards. Times are {@link System#nanoTime()}.
 */
final class ChaosHistory {

    private volatile long startNanos = System.nanoTime();

    final ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();

    final ConcurrentLinkedQueue<Order> orders = new ConcurrentLinkedQueue<>();

    final ConcurrentLinkedQueue<Window> redisOutages = new ConcurrentLinkedQueue<>();

    final ConcurrentLinkedQueue<Window> gatewayKills = new ConcurrentLinkedQueue<>();

    /** Sentinel and Cluster runs: masters killed and replaced by their replica. */
    final ConcurrentLinkedQueue<Failover> failovers = new ConcurrentLinkedQueue<>();

    /** Answered orders swept because they were near a failover, beyond the random sample of {@code chaos.sweep}. */
    final AtomicLong sweptNearFailover = new AtomicLong();

    /** Redis faults that could not be injected (a failover that did not happen in time), with when. */
    final ConcurrentLinkedQueue<String> faultFailures = new ConcurrentLinkedQueue<>();

    final AtomicLong doubleClicks = new AtomicLong();

    /** Of {@link #gatewayKills}: instances stopped as by SIGTERM, and as by SIGKILL. */
    final AtomicLong gracefulStops = new AtomicLong();

    final AtomicLong sigkills = new AtomicLong();

    /** Background stores the stopped instances gave up (Redis still down when their grace period ended). */
    final AtomicLong storesGivenUpAtStop = new AtomicLong();

    /** Of {@link #storesGivenUpAtStop}: by the instance that gave them up. */
    final Map<Integer, Long> storesGivenUpByInstance = new ConcurrentHashMap<>();

    /** How many background stores instance {@code id} gave up when it was stopped. */
    long storesGivenUpBy(int id) {
        return this.storesGivenUpByInstance.getOrDefault(id, 0L);
    }

    void started() {
        this.startNanos = System.nanoTime();
    }

    long startNanos() {
        return this.startNanos;
    }

    /** Seconds since the run started, for messages. */
    String at(long nanos) {
        return String.format("t+%.3fs", (nanos - this.startNanos) / 1e9);
    }

    /** What the client did with the connection. */
    enum Action {

        /** Waits for the answer. */
        PATIENT,
        /** Gives up after a random short time and drops the connection, maybe while the upstream works. */
        IMPATIENT,
        /** Sends the head and part of the body, then drops the connection. */
        ABORT_UPLOAD
    }

    /** How the attempt ended on the client's side. */
    enum Result {

        RESPONSE,
        /** The client gave up waiting and disconnected (IMPATIENT). */
        GAVE_UP,
        /** The client dropped the connection mid-upload (ABORT_UPLOAD). */
        UPLOAD_ABORTED,
        /** Could not connect: the instance was down. Nothing was sent. */
        REFUSED,
        /** The connection broke before a complete response (e.g. the instance was killed). */
        LOST
    }

    /** What a response means to a client, per the README's table. */
    enum Kind {

        /** The upstream's own response (its body names the execution), not replayed. */
        FRESH,
        /** {@code Idempotent-Replayed: true}. */
        REPLAY,
        /** 409 request-in-progress: retry later. */
        IN_PROGRESS,
        /** 503 store-unavailable: retry later. */
        STORE_UNAVAILABLE,
        /** 502/504 upstream-outcome-unknown, fresh: the key's stored result. */
        OUTCOME_UNKNOWN,
        /** 502 upstream-unavailable or 504 upstream-timeout: the key was released, retry. */
        RELEASED_FAILURE,
        /** Anything the contract does not allow for these requests. */
        UNEXPECTED;

        static Kind of(RawHttpClient.Response response) {
            if (response.replayed()) {
                return REPLAY;
            }
            String problem = response.problemType();
            if (problem == null) {
                return Body.of(response.body()).exec() >= 0 ? FRESH : UNEXPECTED;
            }
            return switch (problem) {
                case "request-in-progress" -> response.status() == 409 ? IN_PROGRESS : UNEXPECTED;
                case "store-unavailable" -> response.status() == 503 ? STORE_UNAVAILABLE : UNEXPECTED;
                case "upstream-outcome-unknown" -> OUTCOME_UNKNOWN;
                case "upstream-unavailable", "upstream-timeout" -> RELEASED_FAILURE;
                default -> UNEXPECTED;
            };
        }
    }

    /** The statuses the route releases the key for (README: releaseStatuses default). */
    static final Set<Integer> RELEASE_STATUSES = Set.of(408, 425, 429, 503);

    /** One logical order: one client, one key, one body, retried until it gets a definite answer. */
    record Order(int client, String key, String path, byte[] body, long startNanos, long endNanos, boolean answered,
            int attempts) {
    }

    /** One HTTP attempt, as the client experienced it. */
    record Attempt(long id, int client, String key, String path, int instance, String behaviour, Action action,
            boolean sweep, long startNanos, long endNanos, Result result, RawHttpClient.Response response) {

        Kind kind() {
            return this.response == null ? null : Kind.of(this.response);
        }

        /** A final answer for the order: the client stops retrying. */
        boolean definite() {
            Kind kind = kind();
            if (kind == null) {
                return false;
            }
            return switch (kind) {
                case FRESH -> !RELEASE_STATUSES.contains(this.response.status());
                case REPLAY, OUTCOME_UNKNOWN, UNEXPECTED -> true;
                default -> false;
            };
        }

        Body body() {
            return this.response == null ? Body.NONE : Body.of(this.response.body());
        }

        String describe(ChaosHistory history) {
            String answer = this.response == null ? "-" : this.response.status() + (this.response.replayed() ? " replayed" : "")
                    + (this.response.problemType() != null ? " " + this.response.problemType() : "") + " " + body();
            return "attempt " + this.id + " (client c" + this.client + ", instance g" + this.instance + ", upstream "
                    + this.behaviour + ", " + this.action + (this.sweep ? ", sweep" : "") + ") " + history.at(this.startNanos)
                    + ".." + history.at(this.endNanos) + " -> " + this.result + " " + answer;
        }
    }

    /** A fault's time span: a Redis outage, or a gateway instance being killed. */
    record Window(int instance, long fromNanos, long toNanos) {

        boolean overlaps(long from, long to) {
            return this.fromNanos <= to && from <= this.toNanos;
        }
    }

    /**
     * A master killed at {@code fromNanos} and replaced by its replica by {@code toNanos};
     * {@code slots} are the Cluster slots it served, {@code null} for every key (Sentinel).
     */
    record Failover(String master, long fromNanos, long toNanos, BitSet slots) {

        /** Whether the record of client {@code client}'s key {@code key} lived on the killed master. */
        boolean held(int client, String key) {
            return this.slots == null || this.slots.get(slotOf(client, key));
        }
    }

    /**
     * The Cluster slot of a chaos order's record: the gateway names it after the route, the client
     * and the key ({@code RedisIdempotencyStore#redisKey}, default prefix, no key-hash secret).
     * {@code ChaosRun} checks after a Cluster run that records are found under these names.
     */
    static String recordKey(int client, String key) {
        return "idem:" + StorageIds.sha256().of(new ScopedKey(ChaosRun.ROUTE_ID, "c" + client, IdempotencyKey.of(key)));
    }

    static int slotOf(int client, String key) {
        return SlotHash.getSlot(recordKey(client, key));
    }

    /** The fields the chaos upstream echoes; {@code exec} is -1 for bodies it did not write. */
    record Body(String client, String key, long exec, String instance, Integer originalStatus) {

        static final Body NONE = new Body(null, null, -1, null, null);

        private static final Pattern CLIENT = Pattern.compile("\"client\":\"([^\"]*)\"");

        private static final Pattern KEY = Pattern.compile("\"key\":\"([^\"]*)\"");

        private static final Pattern EXEC = Pattern.compile("\"exec\":(\\d+)");

        private static final Pattern INSTANCE = Pattern.compile("\"instance\":\"([^\"]*)\"");

        private static final Pattern ORIGINAL_STATUS = Pattern.compile("\"originalStatus\":(\\d+)");

        static Body of(byte[] bytes) {
            String text = new String(bytes, 0, Math.min(bytes.length, 600), StandardCharsets.UTF_8);
            String exec = group(EXEC, text);
            String original = group(ORIGINAL_STATUS, text);
            return new Body(group(CLIENT, text), group(KEY, text), exec == null ? -1 : Long.parseLong(exec),
                    group(INSTANCE, text), original == null ? null : Integer.valueOf(original));
        }

        private static String group(Pattern pattern, String text) {
            Matcher matcher = pattern.matcher(text);
            return matcher.find() ? matcher.group(1) : null;
        }

        @Override
        public String toString() {
            return this.exec >= 0 ? "{client " + this.client + ", key " + this.key + ", exec " + this.exec + "}"
                    : this.instance != null ? "{instance " + this.instance + "}" : "";
        }
    }

    /** Every event of the run in time order, one per line: what to read when a violation needs explaining. */
    void write(Path file, List<ChaosUpstream.Execution> executions) throws IOException {
        List<Object[]> lines = new ArrayList<>();
        for (Attempt attempt : this.attempts) {
            lines.add(new Object[] { attempt.startNanos(), attempt.describe(this) });
        }
        for (ChaosUpstream.Execution execution : executions) {
            lines.add(new Object[] { execution.nanos(), "execution " + execution.serial() + " of key " + execution.key() + " (client "
                    + execution.clientId() + ", attempt " + execution.attemptId() + ", upstream " + execution.behaviour() + ") at "
                    + at(execution.nanos()) });
        }
        for (Window outage : this.redisOutages) {
            lines.add(new Object[] { outage.fromNanos(), "Redis killed at " + at(outage.fromNanos()) + ", back at " + at(outage.toNanos()) });
        }
        for (Failover failover : this.failovers) {
            lines.add(new Object[] { failover.fromNanos(), "Redis master " + failover.master() + " killed at "
                    + at(failover.fromNanos()) + ", replica promoted by " + at(failover.toNanos()) });
        }
        for (Window kill : this.gatewayKills) {
            lines.add(new Object[] { kill.fromNanos(), "instance g" + kill.instance() + " killed " + at(kill.fromNanos()) + ".."
                    + at(kill.toNanos()) });
        }
        lines.sort(Comparator.comparingLong(line -> (Long) line[0]));
        Files.createDirectories(file.getParent());
        Files.write(file, lines.stream().map(line -> (String) line[1]).toList());
    }

    List<Attempt> attemptList() {
        return List.copyOf(this.attempts);
    }
}
