package dev.idempotency.gateway.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import dev.idempotency.gateway.chaos.ChaosHistory.Action;
import dev.idempotency.gateway.chaos.ChaosHistory.Attempt;
import dev.idempotency.gateway.chaos.ChaosHistory.Body;
import dev.idempotency.gateway.chaos.ChaosHistory.Failover;
import dev.idempotency.gateway.chaos.ChaosHistory.Kind;
import dev.idempotency.gateway.chaos.ChaosHistory.Order;
import dev.idempotency.gateway.chaos.ChaosHistory.Result;
import dev.idempotency.gateway.chaos.ChaosHistory.Window;
import dev.idempotency.gateway.chaos.ChaosUpstream.Execution;
import dev.idempotency.gateway.events.KeySettlement;
import dev.idempotency.gateway.testsupport.RawHttpClient;

/**
 * Reads a run's history and checks the guarantee. First that the run tested something: at least
 * one Redis outage, one gateway instance killed, some {@code 503 store-unavailable} answers, some
 * stored results, and no result the gateways themselves failed to store ({@code STORE_FAILED}).
 * Then per (client, key):
 * <ol>
 * <li>executed at most once, except for the causes docs/guarantees.md documents, each checked
 * against the history: a release status the gateway received (429, 503); a failure before the
 * request was sent ({@code 502 upstream-unavailable}, {@code 504 upstream-timeout}); the owning
 * instance killed while it held the key, with the second execution after the kill and late enough
 * for the lease to have run out; outside strict mode, a Redis outage (as the gateway saw it, with
 * its reconnect) of at least two thirds of the lease while the key was held, with the second
 * execution after the outage began and after the lease could have run out, and no more such
 * excuses than leases the gateways counted as lost; a failover (Sentinel, Cluster) whose killed
 * master held the key (its slot) and had not replicated it: the owner's request began before the
 * kill, the second execution came after it, and the owner either still held the key at the kill
 * (a claim or lease not replicated) or was answered at most {@value #REPLICATION_LAG_MILLIS} ms before
 * it (a stored result not replicated; a violation with {@link ChaosSettings#replicaAcks()}, which
 * waits for a replica before answering); and - only while
 * {@link ChaosSettings#backgroundCompletion()} is off - the client gone mid-request. An
 * ambiguous outcome (reset, empty response, timeout) is stored and must never run again;
 * <li>every replay byte-equal to the response of the execution it names (and all replays of a
 * key equal to each other, or, for a key whose record a failover lost, all replays naming one
 * execution); outcome-unknown replays equal to the first outcome-unknown answer;
 * too-large responses replayed as 409 response-not-replayable;
 * <li>no answer served to the wrong client: every body names the requesting client and key;
 * <li>no request lost: every order got a definite answer in time, and still gets it after the
 * faults stopped;
 * <li>nothing forwarded that should not be: no cut-off upload, no body other than the client's.
 * </ol>
 */
final class ExactlyOnceChecker {

    /** Scheduling slack on a loaded machine around the moments a gateway settles a key. */
    private static final long SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(1_000);

    /** Lettuce reconnects with a back-off capped at 2 s: the gateway sees Redis down a little longer. */
    private static final long RECONNECT_NANOS = TimeUnit.MILLISECONDS.toNanos(2_500);

    private static final String OUTAGE_OUTLASTED_LEASE =
            "Redis down longer than the lease while the key was held (lease lapsed, late result fenced off)";

    /** docs/guarantees.md, "Remaining limits": a result held in memory while Redis was down dies with its instance. */
    static final String RESULT_LOST_WITH_ITS_INSTANCE =
            "owning instance stopped before Redis came back to store its result (given up at the stop), lease expired";

    static final String FAILOVER_LOST_ANSWERED_RESULT =
            "failover: the killed master had not replicated a result its client had been answered with";

    static final String FAILOVER_LOST_IN_FLIGHT =
            "failover: the key was in flight on the killed master (claim, lease or unanswered result not replicated)";

    /**
     * How long before a master's kill a write may still be missing on its replica. Replication is
     * asynchronous but continuous: a result older than this that a failover lost is a violation.
     */
    static final long REPLICATION_LAG_MILLIS = 1_000;

    private static final long REPLICATION_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(REPLICATION_LAG_MILLIS);

    /** The checker route's {@code lockTimeout}. */
    private static final long LEASE_NANOS = ChaosRun.LOCK_TIMEOUT.toNanos();

    /** Redis expires keys by its own millisecond clock; the history's times are taken a little apart from the events. */
    private static final long EXPIRY_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ChaosSettings settings;

    private final ChaosHistory history;

    private final List<Execution> executions;

    private final List<String> violations = new ArrayList<>();

    private final Map<String, Long> counts = new LinkedHashMap<>();

    private final Map<String, List<String>> tolerated = new TreeMap<>();

    private final Set<String> outcomeUnknownNeverReceived = new TreeSet<>();

    private final Map<String, Long> settlements;

    private long excusedByOutage;

    /** Keys executed again because a failover lost their record: their replays may name either execution. */
    private final Set<String> recordLostInFailover = new TreeSet<>();

    /**
     * @param settlements how the gateway instances settled their keys, by {@link KeySettlement} name
     * (their own account, from {@link ChaosSettlements})
     */
    ExactlyOnceChecker(ChaosSettings settings, ChaosHistory history, List<Execution> executions,
            Map<String, Long> settlements) {
        this.settings = settings;
        this.history = history;
        this.executions = executions;
        this.settlements = Map.copyOf(settlements);
    }

    Report check() {
        List<Attempt> attempts = this.history.attemptList();
        Map<Long, Attempt> attemptsById = new HashMap<>();
        attempts.forEach(attempt -> attemptsById.put(attempt.id(), attempt));
        Map<String, Order> orders = new HashMap<>();
        this.history.orders.forEach(order -> orders.put(order.key(), order));
        Map<String, List<Execution>> executionsByKey = new HashMap<>();
        Map<Long, Execution> executionsBySerial = new HashMap<>();
        for (Execution execution : this.executions) {
            executionsByKey.computeIfAbsent(execution.key(), key -> new ArrayList<>()).add(execution);
            executionsBySerial.put(execution.serial(), execution);
        }

        checkFaultsInjected(attempts);
        checkGatewaySettlements();
        checkForwardedRequests(attemptsById, orders);
        executionsByKey.forEach((key, list) -> checkExecutedOnce(key, list, attemptsById));
        checkOutageExcusesMatchLostLeases();
        checkAnswers(attempts, executionsByKey, executionsBySerial);
        checkNothingLost(attempts);
        count(attempts);
        if (!this.outcomeUnknownNeverReceived.isEmpty()) {
            this.tolerated.put("stored outcome-unknown, upstream never received the request (safe, not executed)",
                    this.outcomeUnknownNeverReceived.stream().limit(5).toList());
        }
        return new Report(this.settings, this.counts, this.violations, this.tolerated, this.settlements);
    }

    /** A run without faults proves nothing: each kind the checker is about must have happened. */
    private void checkFaultsInjected(List<Attempt> attempts) {
        if (!this.settings.topology().hasReplicas() && this.history.redisOutages.isEmpty()) {
            violation("vacuous run: no Redis outage was injected");
        }
        if (this.settings.topology().hasReplicas() && this.history.failovers.isEmpty()) {
            violation("vacuous run: no Redis master was killed and failed over");
        }
        this.history.faultFailures.forEach(failure -> violation("a Redis fault could not be injected: " + failure));
        if (this.history.gatewayKills.isEmpty()) {
            violation("vacuous run: no gateway instance was killed");
        }
        if (attempts.stream().noneMatch(attempt -> attempt.kind() == Kind.STORE_UNAVAILABLE)) {
            violation("vacuous run: no client saw 503 store-unavailable, so no request met Redis down");
        }
    }

    /** The gateways' own account: a result they could not store is a key that will run again. */
    private void checkGatewaySettlements() {
        long storeFailed = this.settlements.getOrDefault(KeySettlement.STORE_FAILED.name(), 0L);
        if (storeFailed > 0) {
            violation("the gateways settled " + storeFailed + " keys as STORE_FAILED: results ready while Redis was down"
                    + " were never stored " + this.settlements);
        }
        if (this.settlements.getOrDefault(KeySettlement.STORED.name(), 0L) == 0) {
            violation("vacuous run: the gateways stored no result at all " + this.settlements);
        }
    }

    /**
     * Each second execution excused by an outage stands for a first request whose late result the
     * fence refused: the gateways must have counted at least as many lost leases.
     */
    private void checkOutageExcusesMatchLostLeases() {
        long leaseLost = this.settlements.getOrDefault(KeySettlement.LEASE_LOST.name(), 0L);
        if (this.excusedByOutage > leaseLost) {
            violation(this.excusedByOutage + " second executions were excused by a Redis outage outlasting the lease,"
                    + " but the gateways lost only " + leaseLost + " leases: the first requests' results were not stored"
                    + " late, they were lost");
        }
    }

    /** Only complete requests reach the upstream, with the client's own identity, key and body. */
    private void checkForwardedRequests(Map<Long, Attempt> attemptsById, Map<String, Order> orders) {
        for (Execution execution : this.executions) {
            Attempt attempt = attemptsById.get(execution.attemptId());
            if (attempt == null) {
                violation("execution " + execution.serial() + " of key " + execution.key() + " has no attempt "
                        + execution.attemptId());
                continue;
            }
            if (attempt.action() == Action.ABORT_UPLOAD) {
                violation("forwarded a request whose upload the client cut off: execution " + execution.serial() + " of "
                        + attempt.describe(this.history));
            }
            if (!Objects.equals(execution.clientId(), "c" + attempt.client()) || !Objects.equals(execution.key(), attempt.key())) {
                violation("execution " + execution.serial() + " arrived as client " + execution.clientId() + " key "
                        + execution.key() + " but was sent as " + attempt.describe(this.history));
            }
            Order order = orders.get(attempt.key());
            if (order != null && !Arrays.equals(order.body(), execution.body())) {
                violation("execution " + execution.serial() + " forwarded a body other than the client's: "
                        + ChaosUpstream.text(execution.body()) + " for " + attempt.describe(this.history));
            }
        }
    }

    private void checkExecutedOnce(String key, List<Execution> list, Map<Long, Attempt> attemptsById) {
        list.sort(Comparator.comparingLong(Execution::serial));
        for (int i = 1; i < list.size(); i++) {
            Execution previous = list.get(i - 1);
            Execution next = list.get(i);
            Attempt owner = attemptsById.get(previous.attemptId());
            String reason = owner == null ? null : allowedReason(previous, owner, next);
            String story = "key " + key + " executed again: execution " + previous.serial() + " at "
                    + this.history.at(previous.nanos()) + " by "
                    + (owner == null ? "?" : owner.describe(this.history)) + ", then execution " + next.serial() + " at "
                    + this.history.at(next.nanos()) + " by "
                    + (attemptsById.get(next.attemptId()) == null ? "?" : attemptsById.get(next.attemptId()).describe(this.history));
            if (reason == null) {
                violation(story);
            }
            else {
                if (reason.equals(OUTAGE_OUTLASTED_LEASE)) {
                    this.excusedByOutage++;
                }
                if (reason.startsWith("failover")) {
                    this.recordLostInFailover.add(key);
                }
                this.counts.merge("re-executions tolerated: " + reason, 1L, Long::sum);
                List<String> samples = this.tolerated.computeIfAbsent(reason, r -> new ArrayList<>());
                if (samples.size() < 3) {
                    samples.add(story);
                }
            }
        }
    }

    /**
     * Which documented cause (docs/guarantees.md) let {@code next} run after {@code previous}, checked
     * against the history; {@code null} if none did.
     */
    private String allowedReason(Execution previous, Attempt owner, Execution next) {
        String kind = previous.behaviour().split(":")[0];
        boolean ownerSawItsAnswer = owner.response() == null || owner.kind() == Kind.FRESH;
        if (kind.matches("\\d+") && ChaosHistory.RELEASE_STATUSES.contains(Integer.parseInt(kind)) && ownerSawItsAnswer) {
            // Only if the gateway got that status: an answer that came after the gateway gave up releases nothing.
            return "released by status " + kind;
        }
        if (owner.kind() == Kind.RELEASED_FAILURE) {
            // The gateway answered that the request never left (connect refused, timeout while connecting).
            return "released: failure before the request was sent (" + owner.response().problemType() + ")";
        }
        // The key cannot be free before the owner's claim (made after its attempt started) ran out of lease.
        boolean leaseCouldHaveRunOut = next.nanos() >= owner.startNanos() + LEASE_NANOS - EXPIRY_SLACK_NANOS;
        // The owner held the key from its start until its gateway settled it: for an answered attempt, before the
        // answer went out (the result is stored first); otherwise when the upstream's answer (or the route's timeout) came.
        long heldUntil = owner.response() != null ? owner.endNanos() + SLACK_NANOS
                : previous.nanos() + TimeUnit.MILLISECONDS.toNanos(Math.min(delayMillis(previous), ChaosRun.RESPONSE_TIMEOUT_MS))
                        + SLACK_NANOS;
        for (Window kill : this.history.gatewayKills) {
            if (kill.instance() == owner.instance() && kill.overlaps(owner.startNanos(), heldUntil)
                    && next.nanos() >= kill.fromNanos() && leaseCouldHaveRunOut) {
                return "owning instance killed, lease expired";
            }
        }
        for (Window kill : this.history.gatewayKills) {
            if (kill.instance() == owner.instance() && this.history.storesGivenUpBy(kill.instance()) > 0
                    && kill.fromNanos() >= owner.startNanos() && next.nanos() >= kill.fromNanos() && leaseCouldHaveRunOut
                    && redisDownFromSettlingToStop(heldUntil, kill, next)) {
                return RESULT_LOST_WITH_ITS_INSTANCE;
            }
        }
        for (Window outage : this.history.redisOutages) {
            // As the owner's gateway saw it: from the kill until it had reconnected. Renewed every third of the
            // lease, a lease lapses only in an outage of two thirds of it or more.
            long seenDownNanos = outage.toNanos() + RECONNECT_NANOS - outage.fromNanos();
            if (!this.settings.strictStoreOutage()
                    && new Window(0, outage.fromNanos(), outage.toNanos() + RECONNECT_NANOS).overlaps(owner.startNanos(), heldUntil)
                    && seenDownNanos >= LEASE_NANOS * 2 / 3 && next.nanos() >= outage.fromNanos() && leaseCouldHaveRunOut) {
                return OUTAGE_OUTLASTED_LEASE;
            }
        }
        String failover = lostInFailover(owner, heldUntil, next);
        if (failover != null) {
            return failover;
        }
        if (owner.result() == Result.GAVE_UP && !this.settings.backgroundCompletion()) {
            return "client disconnected mid-request (no background completion yet)";
        }
        return null;
    }

    /**
     * Whether the owner's result can have waited in its instance's memory for Redis until the
     * instance stopped: Redis went down before the owner settled and was still down (or not yet
     * reconnected) when the stop began, and the retry came after one lease of Redis answering.
     */
    private boolean redisDownFromSettlingToStop(long heldUntil, Window stop, Execution next) {
        for (Window outage : this.history.redisOutages) {
            if (outage.fromNanos() <= heldUntil && outage.toNanos() + RECONNECT_NANOS >= stop.fromNanos()
                    && next.nanos() >= outage.toNanos() + LEASE_NANOS - EXPIRY_SLACK_NANOS) {
                return true;
            }
        }
        return false;
    }

    /**
     * A failover that can have lost the owner's record: the killed master held the key's slot, the
     * owner's request began before the kill and {@code next} came after it; and the owner held the
     * key at the kill, or was answered (its result stored) just before it.
     */
    private String lostInFailover(Attempt owner, long heldUntil, Execution next) {
        for (Failover failover : this.history.failovers) {
            long kill = failover.fromNanos();
            if (owner.startNanos() >= kill || next.nanos() < kill || !failover.held(owner.client(), owner.key())) {
                continue;
            }
            if (owner.response() != null && owner.endNanos() < kill) {
                // Answered before the kill: its result was stored before the answer went out (Redis was up).
                if (owner.endNanos() >= kill - REPLICATION_LAG_NANOS && !this.settings.replicaAcks()) {
                    return FAILOVER_LOST_ANSWERED_RESULT;
                }
            }
            else if (heldUntil >= kill - REPLICATION_LAG_NANOS) {
                return FAILOVER_LOST_IN_FLIGHT;
            }
        }
        return null;
    }

    private static long delayMillis(Execution execution) {
        String[] parts = execution.behaviour().split(":");
        return parts.length < 2 ? 0 : Long.parseLong(parts[1]);
    }

    private void checkAnswers(List<Attempt> attempts, Map<String, List<Execution>> executionsByKey,
            Map<Long, Execution> executionsBySerial) {
        Map<Long, Attempt> freshByExecution = new HashMap<>();
        Map<String, Attempt> firstOutcomeUnknown = new HashMap<>();
        Map<String, List<Attempt>> outcomeUnknownAnswers = new HashMap<>();
        for (Attempt attempt : attempts) {
            if (attempt.response() == null) {
                continue;
            }
            checkAddressedToSender(attempt);
            Kind kind = attempt.kind();
            if (kind == Kind.FRESH) {
                freshByExecution.put(attempt.body().exec(), attempt);
            }
            else if (kind == Kind.OUTCOME_UNKNOWN) {
                firstOutcomeUnknown.merge(attempt.key(), attempt, (a, b) -> a.endNanos() <= b.endNanos() ? a : b);
                outcomeUnknownAnswers.computeIfAbsent(attempt.key(), key -> new ArrayList<>()).add(attempt);
            }
            else if (kind == Kind.UNEXPECTED) {
                violation("unexpected answer: " + attempt.describe(this.history) + " " + attempt.response()
                        + storyOf(attempt.key(), attempts, executionsByKey));
            }
        }
        Map<String, Attempt> firstReplay = new HashMap<>();
        for (Attempt attempt : attempts) {
            if (attempt.kind() != Kind.REPLAY) {
                continue;
            }
            RawHttpClient.Response replay = attempt.response();
            List<Execution> executed = executionsByKey.getOrDefault(attempt.key(), List.of());
            if (executed.isEmpty()) {
                if ("upstream-outcome-unknown".equals(replay.problemType())) {
                    // Safe (nothing ran twice), but the request may never have left: counted and reported.
                    this.outcomeUnknownNeverReceived.add(attempt.key());
                }
                else {
                    violation("replay for a key never executed: " + attempt.describe(this.history));
                }
                continue;
            }
            Attempt first = firstReplay.putIfAbsent(replayGroup(attempt), attempt);
            if (first != null && !sameResponse(first.response(), replay)) {
                violation("two replays of key " + attempt.key() + " differ: " + first.describe(this.history) + " vs "
                        + attempt.describe(this.history));
            }
            Body body = attempt.body();
            String problem = replay.problemType();
            if (body.exec() >= 0) {
                Execution execution = executionsBySerial.get(body.exec());
                if (execution == null || !attempt.key().equals(execution.key())) {
                    violation("replay names execution " + body.exec() + " of another key: " + attempt.describe(this.history));
                }
                Attempt original = freshByExecution.get(body.exec());
                if (original != null && !sameResponse(original.response(), replay)) {
                    violation("replay is not byte-equal to the original response: original " + original.describe(this.history)
                            + " " + original.response() + " vs replay " + attempt.describe(this.history) + " " + replay);
                }
            }
            else if ("upstream-outcome-unknown".equals(problem)) {
                Attempt original = firstOutcomeUnknown.get(attempt.key());
                boolean lost = this.recordLostInFailover.contains(attempt.key());
                if (original != null && !sameResponse(original.response(), replay) && !(lost && outcomeUnknownAnswers
                    .get(attempt.key()).stream().anyMatch(answer -> sameResponse(answer.response(), replay)))) {
                    violation("outcome-unknown replay differs from the first answer: " + original.response() + " vs "
                            + replay);
                }
            }
            else if ("response-not-replayable".equals(problem)) {
                boolean large = executed.stream().anyMatch(execution -> execution.behaviour().startsWith("large"));
                if (replay.status() != 409 || !large || !Integer.valueOf(201).equals(body.originalStatus())) {
                    violation("response-not-replayable for a key that had no oversize response: "
                            + attempt.describe(this.history) + " " + replay);
                }
            }
            else {
                violation("replay of something never stored: " + attempt.describe(this.history) + " " + replay);
            }
        }
    }

    /**
     * Replays that must all be equal: those of one key; for a key whose record a failover lost and
     * an execution replaced, those naming one execution (or one kind of problem).
     */
    private String replayGroup(Attempt replay) {
        if (!this.recordLostInFailover.contains(replay.key())) {
            return replay.key();
        }
        Body body = replay.body();
        return replay.key() + "#" + (body.exec() >= 0 ? Long.toString(body.exec()) : replay.response().problemType());
    }

    /** Bodies written by the upstream name client and key; problems name the request path. */
    private void checkAddressedToSender(Attempt attempt) {
        Body body = attempt.body();
        if (body.exec() >= 0) {
            if (!("c" + attempt.client()).equals(body.client()) || !attempt.key().equals(body.key())) {
                violation("answer served to the wrong client: " + attempt.describe(this.history));
            }
        }
        else if (body.instance() != null && !attempt.path().equals(body.instance())) {
            violation("problem for another request: " + attempt.describe(this.history) + " " + attempt.response());
        }
    }

    private void checkNothingLost(List<Attempt> attempts) {
        for (Order order : this.history.orders) {
            if (!order.answered()) {
                violation("request lost: order " + order.key() + " got no definite answer in " + ChaosRun.ORDER_DEADLINE
                        + " over " + order.attempts() + " attempts, " + this.history.at(order.startNanos()) + ".."
                        + this.history.at(order.endNanos()));
            }
        }
        for (Attempt attempt : attempts) {
            if (attempt.sweep() && !attempt.definite()) {
                violation("answered order not answered after the faults stopped: " + attempt.describe(this.history)
                        + (attempt.response() == null ? "" : " " + attempt.response()));
            }
        }
    }

    /** Status, the headers a replay keeps, and the body bytes. */
    private static boolean sameResponse(RawHttpClient.Response a, RawHttpClient.Response b) {
        return a.status() == b.status() && Objects.equals(a.header("Content-Type"), b.header("Content-Type"))
                && Objects.equals(a.header("Location"), b.header("Location")) && Arrays.equals(a.body(), b.body());
    }

    /**
     * Everything the history holds about {@code key}, in time order: an unexpected answer is found
     * in a long run, and the attempts and executions before it are what explains it.
     */
    private String storyOf(String key, List<Attempt> attempts, Map<String, List<Execution>> executionsByKey) {
        StringBuilder story = new StringBuilder("\n    the key's attempts:");
        attempts.stream()
            .filter(other -> other.key().equals(key))
            .sorted(Comparator.comparingLong(Attempt::startNanos))
            .forEach(other -> story.append("\n      ").append(other.describe(this.history)));
        story.append("\n    its executions:");
        for (Execution execution : executionsByKey.getOrDefault(key, List.of())) {
            story.append("\n      execution ").append(execution.serial()).append(" of attempt ").append(execution.attemptId())
                .append(" at ").append(this.history.at(execution.nanos()));
        }
        story.append("\n    faults: Redis down ").append(windowsNear(this.history.redisOutages, key, attempts))
            .append(", instances stopped ").append(windowsNear(this.history.gatewayKills, key, attempts));
        return story.toString();
    }

    private List<String> windowsNear(Collection<Window> windows, String key, List<Attempt> attempts) {
        long from = attempts.stream().filter(a -> a.key().equals(key)).mapToLong(Attempt::startNanos).min().orElse(0)
                - TimeUnit.SECONDS.toNanos(5);
        long to = attempts.stream().filter(a -> a.key().equals(key)).mapToLong(Attempt::endNanos).max().orElse(0);
        return windows.stream()
            .filter(window -> window.overlaps(from, to))
            .map(window -> (window.instance() > 0 ? "g" + window.instance() + " " : "") + this.history.at(window.fromNanos())
                    + ".." + this.history.at(window.toNanos()))
            .toList();
    }

    private void violation(String message) {
        this.violations.add("seed " + this.settings.seed() + ": " + message);
    }

    private void count(List<Attempt> attempts) {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("orders", (long) this.history.orders.size());
        counts.put("orders answered", this.history.orders.stream().filter(Order::answered).count());
        counts.put("requests (attempts)", (long) attempts.size());
        counts.put("executions (upstream calls)", (long) this.executions.size());
        counts.put("answers: fresh", attempts.stream().filter(a -> a.kind() == Kind.FRESH).count());
        counts.put("answers: replays", attempts.stream().filter(a -> a.kind() == Kind.REPLAY).count());
        counts.put("answers: 409 request-in-progress", attempts.stream().filter(a -> a.kind() == Kind.IN_PROGRESS).count());
        counts.put("answers: 409 response-not-replayable (replays)", attempts.stream()
            .filter(a -> a.kind() == Kind.REPLAY && "response-not-replayable".equals(a.response().problemType())).count());
        counts.put("answers: 503 store-unavailable", attempts.stream().filter(a -> a.kind() == Kind.STORE_UNAVAILABLE).count());
        counts.put("answers: released by upstream 429/503", attempts.stream()
            .filter(a -> a.kind() == Kind.FRESH && ChaosHistory.RELEASE_STATUSES.contains(a.response().status())).count());
        counts.put("answers: 502/504 outcome-unknown (fresh)", attempts.stream().filter(a -> a.kind() == Kind.OUTCOME_UNKNOWN).count());
        counts.put("answers: 502/504 released failure", attempts.stream().filter(a -> a.kind() == Kind.RELEASED_FAILURE).count());
        counts.put("answers: unexpected", attempts.stream().filter(a -> a.kind() == Kind.UNEXPECTED).count());
        counts.put("sweep retries", attempts.stream().filter(Attempt::sweep).count());
        counts.put("sweep: of those, orders near a failover (beyond the sample)", this.history.sweptNearFailover.get());
        counts.put("faults: Redis kill+restart (AOF)", (long) this.history.redisOutages.size());
        counts.put("faults: Redis master killed, replica promoted", (long) this.history.failovers.size());
        counts.put("faults: gateway instance killed", (long) this.history.gatewayKills.size());
        counts.put("faults: of those, stopped gracefully (SIGTERM)", this.history.gracefulStops.get());
        counts.put("faults: of those, killed (SIGKILL)", this.history.sigkills.get());
        counts.put("pending stores given up at a stop", this.history.storesGivenUpAtStop.get());
        counts.put("faults: client gave up mid-request", attempts.stream().filter(a -> a.result() == Result.GAVE_UP).count());
        counts.put("faults: client cut off its upload", attempts.stream().filter(a -> a.result() == Result.UPLOAD_ABORTED).count());
        counts.put("faults: double clicks (parallel duplicates)", this.history.doubleClicks.get());
        counts.put("client saw: connection refused", attempts.stream().filter(a -> a.result() == Result.REFUSED).count());
        counts.put("client saw: connection broken", attempts.stream().filter(a -> a.result() == Result.LOST).count());
        Map<String, Long> byBehaviour = new TreeMap<>();
        this.executions.forEach(execution -> byBehaviour.merge(execution.behaviour().split(":")[0], 1L, Long::sum));
        byBehaviour.forEach((kind, count) -> counts.put("executions with upstream " + kind, count));
        counts.putAll(this.counts);
        counts.put("keys whose record a failover lost", (long) this.recordLostInFailover.size());
        counts.put("keys stored as outcome-unknown that the upstream never received", (long) this.outcomeUnknownNeverReceived.size());
        counts.put("violations", (long) this.violations.size());
        this.counts.clear();
        this.counts.putAll(counts);
    }

    /** The outcome of a run, printable. */
    record Report(ChaosSettings settings, Map<String, Long> counts, List<String> violations, Map<String, List<String>> tolerated,
            Map<String, Long> settlements) {

        String print() {
            StringBuilder out = new StringBuilder("\n=== Exactly-once checker: " + this.settings + "\n");
            this.counts.forEach((name, count) -> out.append(String.format("  %-58s %8d%n", name, count)));
            out.append("  gateway settlements (all instances): ").append(this.settlements).append('\n');
            this.tolerated.forEach((reason, samples) -> {
                out.append("  tolerated, ").append(reason).append(", e.g.:\n");
                samples.forEach(sample -> out.append("    ").append(sample).append('\n'));
            });
            out.append("  violations: ").append(this.violations.size()).append('\n');
            this.violations.stream().limit(40).forEach(violation -> out.append("    ").append(violation).append('\n'));
            return out.toString();
        }
    }
}
