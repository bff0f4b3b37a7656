package dev.idempotency.gateway.chaos;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.chaos.ChaosHistory.Action;
import dev.idempotency.gateway.chaos.ChaosHistory.Attempt;
import dev.idempotency.gateway.chaos.ChaosHistory.Failover;
import dev.idempotency.gateway.chaos.ChaosHistory.Order;
import dev.idempotency.gateway.chaos.ChaosHistory.Result;
import dev.idempotency.gateway.chaos.ChaosHistory.Window;
import dev.idempotency.gateway.chaos.ChaosSettings.Topology;
import dev.idempotency.gateway.chaos.ChaosUpstream.Execution;
import dev.idempotency.gateway.testsupport.RawHttpClient.Response;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ExactlyOnceChecker} on made-up histories: a clean one with every fault passes, and each
 * kind of violation, added to it alone, is flagged alone. A checker that passes whatever happened
 * fails here, without a 30-second run.
 */
class ExactlyOnceCheckerRulesTests {

    private static final ChaosSettings SETTINGS = new ChaosSettings(1, Duration.ofSeconds(30), 2, 0, true, false, null);

    private static final ChaosSettings STRICT = new ChaosSettings(1, Duration.ofSeconds(30), 2, 0, true, true, null);

    private static final ChaosSettings SENTINEL = new ChaosSettings(1, Duration.ofSeconds(30), 2, 0, true, true, null,
            Topology.SENTINEL, false);

    private static final ChaosSettings SENTINEL_WITH_ACKS = new ChaosSettings(1, Duration.ofSeconds(30), 2, 0, true, true,
            null, Topology.SENTINEL, true);

    private static final ChaosSettings CLUSTER = new ChaosSettings(1, Duration.ofSeconds(30), 2, 0, true, true, null,
            Topology.CLUSTER, false);

    private static final long LEASE_MS = ChaosRun.LOCK_TIMEOUT.toMillis();

    private final ChaosHistory history = new ChaosHistory();

    private final List<Execution> executions = new ArrayList<>();

    private final Map<String, Long> settlements = new HashMap<>();

    private long attemptIds;

    private long serials;

    /** The clean history's replay of order k1. */
    private Attempt replay;

    /** Every fault kind once, far from the orders below: one Redis outage, one kill, one 503 store-unavailable. */
    @BeforeEach
    void cleanRunWithEveryFault() {
        this.history.redisOutages.add(new Window(0, at(100_000), at(101_000)));
        this.history.gatewayKills.add(new Window(9, at(200_000), at(200_100)));
        this.settlements.put("STORED", 1L);

        order(1, "k1", true);
        attempt(1, "k1", 1, 500, 520, Result.RESPONSE, problem(503, "store-unavailable", "k1"));
        Attempt fresh = attempt(1, "k1", 1, 1_000, 1_100, Result.RESPONSE, null);
        Execution execution = execute(fresh, "ok:0", 1_010);
        replaceResponse(fresh, answer(201, 1, "k1", execution.serial(), false));
        this.replay = attempt(1, "k1", 2, 2_000, 2_010, Result.RESPONSE, answer(201, 1, "k1", execution.serial(), true));
    }

    @Test
    void aCleanHistoryWithEveryFaultPasses() {
        assertThat(check(SETTINGS).violations()).isEmpty();
    }

    @Test
    void aRunWithoutARedisOutageIsVacuous() {
        this.history.redisOutages.clear();
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("no Redis outage");
    }

    @Test
    void aRunWithoutAnInstanceKilledIsVacuous() {
        this.history.gatewayKills.clear();
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("no gateway instance was killed");
    }

    @Test
    void aRunWhereNoClientMetRedisDownIsVacuous() {
        this.history.attempts.removeIf(attempt -> attempt.kind() == ChaosHistory.Kind.STORE_UNAVAILABLE);
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("503 store-unavailable");
    }

    @Test
    void aRunThatStoredNothingIsVacuous() {
        this.settlements.clear();
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("stored no result");
    }

    @Test
    void resultsTheGatewaysFailedToStoreAreAViolation() {
        this.settlements.put("STORE_FAILED", 3L);
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("3 keys as STORE_FAILED");
    }

    @Test
    void aSecondExecutionWithoutADocumentedCauseIsAViolation() {
        Execution second = secondExecutionOf("k2", "ok:0", 1, 10_000, 10_100, 30_000);
        assertThat(check(SETTINGS).violations()).singleElement().asString()
            .contains("key k2 executed again").contains("execution " + second.serial());
    }

    @Test
    void aSecondExecutionAfterAReleaseStatusTheGatewayReceivedIsAllowed() {
        secondExecutionOf("k2", "503:0", 1, 10_000, 10_100, 10_500);
        ExactlyOnceChecker.Report report = check(SETTINGS);
        assertThat(report.violations()).isEmpty();
        assertThat(report.counts()).containsEntry("re-executions tolerated: released by status 503", 1L);
    }

    @Test
    void aSecondExecutionAfterTheClientGaveUpIsAViolationWithBackgroundCompletion() {
        order(2, "k2", true);
        Attempt gaveUp = attempt(2, "k2", 1, 10_000, 10_300, Result.GAVE_UP, null);
        execute(gaveUp, "slow:800", 10_010);
        Attempt retry = attempt(2, "k2", 1, 15_000, 15_100, Result.RESPONSE, null);
        replaceResponse(retry, answer(201, 2, "k2", execute(retry, "ok:0", 15_010).serial(), false));
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aSecondExecutionAfterTheOwnerWasKilledIsAllowedOnceItsLeaseCouldHaveRunOut() {
        lostOwnerThenRetry("k2", 1, 10_000, 10_000 + LEASE_MS + 200);
        this.history.gatewayKills.add(new Window(1, at(10_050), at(10_100)));
        ExactlyOnceChecker.Report report = check(SETTINGS);
        assertThat(report.violations()).isEmpty();
        assertThat(report.counts()).containsEntry("re-executions tolerated: owning instance killed, lease expired", 1L);
    }

    @Test
    void aSecondExecutionAfterTheOwnerWasKilledButBeforeItsLeaseRanOutIsAViolation() {
        lostOwnerThenRetry("k2", 1, 10_000, 10_000 + LEASE_MS / 2);
        this.history.gatewayKills.add(new Window(1, at(10_050), at(10_100)));
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aResultLostWithItsInstanceDuringAnOutageIsAllowedOnceALeaseOfRedisAnsweringHasPassed() {
        // The one-hour run's shape (seed 671945912070): the owner's upstream call timed out while Redis was
        // down, its instance was killed before Redis came back and gave the result up, and a retry executed
        // one lease after Redis answered again.
        resultWaitingForRedisThenRetry(1, 18_400);
        ExactlyOnceChecker.Report report = check(STRICT);
        assertThat(report.violations()).isEmpty();
        assertThat(report.counts()).containsEntry("re-executions tolerated: " + ExactlyOnceChecker.RESULT_LOST_WITH_ITS_INSTANCE, 1L);
    }

    @Test
    void aResultLostWithItsInstanceExcusesNothingUnlessTheInstanceGaveAStoreUp() {
        resultWaitingForRedisThenRetry(0, 18_400);
        assertThat(check(STRICT).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aResultLostWithItsInstanceExcusesNothingBeforeALeaseOfRedisAnswering() {
        resultWaitingForRedisThenRetry(1, 17_000);
        assertThat(check(STRICT).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aKillOfAnotherInstanceExcusesNothing() {
        lostOwnerThenRetry("k2", 1, 10_000, 10_000 + LEASE_MS + 200);
        this.history.gatewayKills.add(new Window(2, at(10_050), at(10_100)));
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aSecondExecutionAfterAnOutageOutlastingTheLeaseIsAllowedWithAMatchingLostLease() {
        outageThenRetry(10_000 + LEASE_MS + 200);
        this.settlements.put("LEASE_LOST", 1L);
        ExactlyOnceChecker.Report report = check(SETTINGS);
        assertThat(report.violations()).isEmpty();
        assertThat(report.counts()).containsKey("re-executions tolerated: "
                + "Redis down longer than the lease while the key was held (lease lapsed, late result fenced off)");
    }

    @Test
    void anOutageExcuseWithoutALostLeaseIsAViolation() {
        // The shape of a result that was never stored: nothing was fenced off later.
        outageThenRetry(10_000 + LEASE_MS + 200);
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("lost only 0 leases");
    }

    @Test
    void aSecondExecutionDuringAnOutageButBeforeTheLeaseCouldLapseIsAViolation() {
        outageThenRetry(10_000 + LEASE_MS / 2);
        this.settlements.put("LEASE_LOST", 1L);
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void strictModeExcusesNoOutage() {
        outageThenRetry(10_000 + LEASE_MS + 200);
        this.settlements.put("LEASE_LOST", 1L);
        assertThat(check(STRICT).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aRunWithReplicasWithoutAFailoverIsVacuous() {
        assertThat(check(SENTINEL).violations()).singleElement().asString().contains("no Redis master was killed");
    }

    @Test
    void aRedisFaultThatCouldNotBeInjectedFailsTheRun() {
        failover(300_000, null);
        this.history.faultFailures.add("t+40.000s java.lang.IllegalStateException: Waited PT1M for the Sentinel");
        assertThat(check(SENTINEL).violations()).singleElement().asString().contains("could not be injected");
    }

    @Test
    void aResultAnsweredJustBeforeAFailoverThatLostItMayRunAgainWithoutReplicaAcks() {
        failover(10_500, null);
        secondExecutionOf("k2", "ok:0", 1, 10_000, 10_100, 15_000);
        ExactlyOnceChecker.Report report = check(SENTINEL);
        assertThat(report.violations()).isEmpty();
        assertThat(report.counts()).containsEntry("re-executions tolerated: " + ExactlyOnceChecker.FAILOVER_LOST_ANSWERED_RESULT, 1L)
            .containsEntry("keys whose record a failover lost", 1L);
    }

    @Test
    void withReplicaAcksAnAnsweredResultLostInAFailoverIsAViolation() {
        failover(10_500, null);
        secondExecutionOf("k2", "ok:0", 1, 10_000, 10_100, 15_000);
        assertThat(check(SENTINEL_WITH_ACKS).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aResultAnsweredLongBeforeTheFailoverWasReplicatedAndMustNotRunAgain() {
        failover(10_100 + ExactlyOnceChecker.REPLICATION_LAG_MILLIS + 500, null);
        secondExecutionOf("k2", "ok:0", 1, 10_000, 10_100, 15_000);
        assertThat(check(SENTINEL).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aSecondExecutionBeforeTheKillIsNotExcusedByIt() {
        failover(14_000, null);
        secondExecutionOf("k2", "ok:0", 1, 10_000, 13_500, 13_800);
        assertThat(check(SENTINEL).violations()).singleElement().asString().contains("key k2 executed again");
    }

    @Test
    void aKeyInFlightOnTheKilledMasterMayRunAgainEvenWithReplicaAcks() {
        // The claim is not waited for: a failover can lose it while the upstream works.
        failover(10_300, null);
        lostOwnerThenRetry("k2", 1, 10_000, 10_000 + LEASE_MS + 200);
        ExactlyOnceChecker.Report report = check(SENTINEL_WITH_ACKS);
        assertThat(report.violations()).isEmpty();
        assertThat(report.counts()).containsEntry("re-executions tolerated: " + ExactlyOnceChecker.FAILOVER_LOST_IN_FLIGHT, 1L);
    }

    @Test
    void aClusterFailoverExcusesOnlyKeysOfTheKilledMastersSlots() {
        BitSet others = new BitSet(16384);
        others.set(0, 16384);
        others.clear(ChaosHistory.slotOf(2, "k2"));
        failover(10_500, others);
        secondExecutionOf("k2", "ok:0", 1, 10_000, 10_100, 15_000);
        assertThat(check(CLUSTER).violations()).singleElement().asString().contains("key k2 executed again");

        this.history.failovers.clear();
        BitSet its = new BitSet(16384);
        its.set(ChaosHistory.slotOf(2, "k2"));
        failover(10_500, its);
        assertThat(check(CLUSTER).violations()).isEmpty();
    }

    @Test
    void replaysOfAKeyWhoseRecordAFailoverLostMayNameEitherExecutionButEachOneExactly() {
        failover(10_500, null);
        Execution second = secondExecutionOf("k2", "ok:0", 1, 10_000, 10_100, 15_000);
        long first = second.serial() - 1;
        attempt(2, "k2", 1, 10_200, 10_210, Result.RESPONSE, answer(201, 2, "k2", first, true));
        attempt(2, "k2", 1, 16_000, 16_010, Result.RESPONSE, answer(201, 2, "k2", second.serial(), true));
        assertThat(check(SENTINEL).violations()).isEmpty();

        Response changed = new Response(201, "", List.of(Map.entry("Content-Type", "application/json"),
                Map.entry("Idempotent-Replayed", "true")), ("{\"client\":\"c2\",\"key\":\"k2\",\"exec\":"
                        + second.serial() + ",\"extra\":1}").getBytes(StandardCharsets.UTF_8));
        attempt(2, "k2", 1, 17_000, 17_010, Result.RESPONSE, changed);
        assertThat(check(SENTINEL).violations()).isNotEmpty().allMatch(violation -> violation.contains("differ")
                || violation.contains("not byte-equal"));
    }

    @Test
    void aReplayThatDiffersFromTheOriginalIsAViolation() {
        this.history.attempts.remove(this.replay);
        Response original = this.replay.response();
        byte[] changed = new String(original.body(), StandardCharsets.UTF_8).replace("}", ",\"extra\":1}")
            .getBytes(StandardCharsets.UTF_8);
        this.history.attempts.add(withResponse(this.replay, new Response(201, "Created", original.headers(), changed)));
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("not byte-equal");
    }

    @Test
    void anAnswerServedToAnotherClientIsAViolation() {
        Attempt replay = this.replay;
        this.history.attempts.remove(replay);
        // Client 2 asks with its own key name and gets client 1's stored answer.
        this.history.attempts.add(new Attempt(replay.id(), 2, "k1", replay.path(), replay.instance(), replay.behaviour(),
                replay.action(), false, replay.startNanos(), replay.endNanos(), Result.RESPONSE, replay.response()));
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("wrong client");
    }

    @Test
    void anOrderWithoutADefiniteAnswerIsLost() {
        order(2, "k2", false);
        attempt(2, "k2", 1, 10_000, 10_100, Result.RESPONSE, problem(409, "request-in-progress", "k2"));
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("request lost: order k2");
    }

    @Test
    void forwardingAnUploadTheClientCutOffIsAViolation() {
        order(2, "k2", true);
        Attempt cut = new Attempt(++this.attemptIds, 2, "k2", "/chaos/orders/k2", 1, "ok:0", Action.ABORT_UPLOAD, false, at(10_000),
                at(10_050), Result.UPLOAD_ABORTED, null);
        this.history.attempts.add(cut);
        Execution execution = execute(cut, "ok:0", 10_020);
        attempt(2, "k2", 1, 11_000, 11_010, Result.RESPONSE, answer(201, 2, "k2", execution.serial(), true));
        assertThat(check(SETTINGS).violations()).singleElement().asString().contains("upload the client cut off");
    }

    @Test
    void anUnexpectedAnswerIsAViolationToldWithTheKeysWholeStory() {
        order(2, "k2", true);
        Attempt cut = new Attempt(++this.attemptIds, 2, "k2", "/chaos/orders/k2", 1, "ok:0", Action.ABORT_UPLOAD, false,
                at(10_000), at(10_050), Result.UPLOAD_ABORTED, null);
        this.history.attempts.add(cut);
        attempt(2, "k2", 2, 11_000, 11_010, Result.RESPONSE, problem(422, "idempotency-key-reused", "k2"));
        assertThat(check(SETTINGS).violations()).singleElement().asString()
            .contains("unexpected answer")
            .contains("the key's attempts:")
            .contains("attempt " + cut.id() + " (client c2, instance g1, upstream ok:0, ABORT_UPLOAD)");
    }

    // --- building histories ---

    /** A master killed at {@code killMillis}, failed over 2 s later; {@code slots} null: every key (Sentinel). */
    private void failover(long killMillis, BitSet slots) {
        this.history.failovers.add(new Failover("127.0.0.1:7000", at(killMillis), at(killMillis + 2_000), slots));
    }

    private ExactlyOnceChecker.Report check(ChaosSettings settings) {
        return new ExactlyOnceChecker(settings, this.history, this.executions, this.settlements).check();
    }

    private long at(long millis) {
        return this.history.startNanos() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    private static byte[] orderBody(int client, String key) {
        return ("{\"client\":\"c" + client + "\",\"order\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private void order(int client, String key, boolean answered) {
        this.history.orders.add(new Order(client, key, "/chaos/orders/" + key, orderBody(client, key), at(0), at(300_000),
                answered, 2));
    }

    private Attempt attempt(int client, String key, int instance, long fromMillis, long toMillis, Result result,
            Response response) {
        Attempt attempt = new Attempt(++this.attemptIds, client, key, "/chaos/orders/" + key, instance, "ok:0",
                Action.PATIENT, false, at(fromMillis), at(toMillis), result, response);
        this.history.attempts.add(attempt);
        return attempt;
    }

    private Execution execute(Attempt attempt, String behaviour, long atMillis) {
        Execution execution = new Execution(++this.serials, attempt.id(), "c" + attempt.client(), attempt.key(), behaviour,
                orderBody(attempt.client(), attempt.key()), at(atMillis));
        this.executions.add(execution);
        return execution;
    }

    private void replaceResponse(Attempt attempt, Response response) {
        this.history.attempts.remove(attempt);
        this.history.attempts.add(withResponse(attempt, response));
    }

    private static Attempt withResponse(Attempt attempt, Response response) {
        return new Attempt(attempt.id(), attempt.client(), attempt.key(), attempt.path(), attempt.instance(),
                attempt.behaviour(), attempt.action(), attempt.sweep(), attempt.startNanos(), attempt.endNanos(),
                Result.RESPONSE, response);
    }

    /** Client 2's order {@code key}: answered with the upstream's {@code behaviour}, then executed again by a retry. */
    private Execution secondExecutionOf(String key, String behaviour, int instance, long fromMillis, long toMillis,
            long retryMillis) {
        order(2, key, true);
        Attempt first = attempt(2, key, instance, fromMillis, toMillis, Result.RESPONSE, null);
        Execution execution = execute(first, behaviour, fromMillis + 10);
        int status = behaviour.startsWith("ok") ? 201 : Integer.parseInt(behaviour.split(":")[0]);
        replaceResponse(first, answer(status, 2, key, execution.serial(), false));
        Attempt retry = attempt(2, key, instance, retryMillis, retryMillis + 100, Result.RESPONSE, null);
        Execution second = execute(retry, "ok:0", retryMillis + 10);
        replaceResponse(retry, answer(201, 2, key, second.serial(), false));
        return second;
    }

    /** An attempt whose connection broke (its instance died) after it was forwarded; a retry executes again. */
    private void lostOwnerThenRetry(String key, int instance, long fromMillis, long retryMillis) {
        order(2, key, true);
        Attempt lost = attempt(2, key, instance, fromMillis, fromMillis + 100, Result.LOST, null);
        execute(lost, "slow:500", fromMillis + 10);
        Attempt retry = attempt(2, key, 2, retryMillis, retryMillis + 100, Result.RESPONSE, null);
        replaceResponse(retry, answer(201, 2, key, execute(retry, "ok:0", retryMillis + 10).serial(), false));
    }

    /**
     * Key k2's owner gave up on a slow upstream call; Redis was down from 150 ms in until 16.2 s, and
     * the owner's instance was killed at 15.4 s, giving up {@code givenUp} background stores; a retry
     * through another instance executed at {@code retryMillis}.
     */
    private void resultWaitingForRedisThenRetry(long givenUp, long retryMillis) {
        order(2, "k2", true);
        Attempt owner = attempt(2, "k2", 1, 10_000, 10_280, Result.GAVE_UP, null);
        execute(owner, "slow:1329", 10_002);
        this.history.redisOutages.add(new Window(0, at(10_150), at(16_200)));
        this.history.gatewayKills.add(new Window(1, at(15_400), at(17_400)));
        if (givenUp > 0) {
            this.history.storesGivenUpByInstance.put(1, givenUp);
        }
        Attempt retry = attempt(2, "k2", 2, retryMillis, retryMillis + 100, Result.RESPONSE, null);
        replaceResponse(retry, answer(201, 2, "k2", execute(retry, "ok:0", retryMillis + 10).serial(), false));
    }

    /** Key k2's owner answered (its result handed over while Redis was down); a retry executed at {@code retryMillis}. */
    private void outageThenRetry(long retryMillis) {
        this.history.redisOutages.add(new Window(0, at(10_050), at(10_000 + LEASE_MS + 100)));
        secondExecutionOf("k2", "ok:0", 1, 10_000, 10_100, retryMillis);
    }

    private static Response answer(int status, int client, String key, long exec, boolean replayed) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(List.of(Map.entry("Content-Type", "application/json")));
        if (replayed) {
            headers.add(Map.entry("Idempotent-Replayed", "true"));
        }
        String body = "{\"client\":\"c" + client + "\",\"key\":\"" + key + "\",\"exec\":" + exec + "}";
        return new Response(status, "", headers, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Response problem(int status, String type, String key) {
        String body = "{\"type\":\"https://idempotency.dev/problems/" + type + "\",\"instance\":\"/chaos/orders/" + key + "\"}";
        return new Response(status, "", List.of(Map.entry("Content-Type", "application/problem+json")),
                body.getBytes(StandardCharsets.UTF_8));
    }
}
