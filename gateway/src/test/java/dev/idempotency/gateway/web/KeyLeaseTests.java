package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.ClientScope;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.StoredResponse;
import dev.idempotency.gateway.events.KeySettlement;
import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory.Config;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease one request holds on its key: the result stored (at once, after a blip, or in the
 * background after an outage, with the lease renewed meanwhile), the key released, and every
 * settlement reported with the upstream's status. Store failures never fail the caller.
 */
class KeyLeaseTests {

    private static final Duration LEASE = Duration.ofMillis(300);

    private static final Duration TTL = Duration.ofSeconds(5);

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ScriptedStore store = new ScriptedStore();

    private final SettlementLog log = new SettlementLog();

    private final Places places = new Places();

    /** The one place the object under test is built: a lease on the store's key, claimed with token 7. */
    private KeyLease lease(Duration ttl, InFlightSlot slot) {
        IdempotencyRecord claim = this.store.claim(LEASE);
        return new KeyLease(this.store, ScriptedStore.KEY, claim, policy(ttl), this.log.listeners(), slot,
                new PendingStores(Duration.ofSeconds(1), null));
    }

    private static IdempotencyPolicy policy(Duration ttl) {
        Config route = new Config();
        route.setRouteId("orders");
        route.setLockTimeout(LEASE);
        route.setTtl(ttl);
        route.setMaxInFlightPerClient(10);
        return IdempotencyPolicy.of(route);
    }

    private KeyLease lease() {
        return lease(TTL, null);
    }

    private InFlightSlot slot() {
        return new InFlightSlot(this.places, ScriptedStore.KEY, 7, policy(TTL));
    }

    private static ExecutionClock clock() {
        return new ExecutionClock(OffNetty.loop(), Duration.ofSeconds(30));
    }

    private static StoredResponse response(int status, String body) {
        return StoredResponse.builder(status).header("X-Id", "1").body(body.getBytes(StandardCharsets.UTF_8)).build();
    }

    private String storedBody() {
        IdempotencyRecord record = this.store.record();
        return record == null || record.response() == null ? null
                : new String(record.response().body(), StandardCharsets.UTF_8);
    }

    @Test
    void aResultIsStoredUnderTheClaimsTokenAndReportedWithItsKind() {
        KeyLease lease = lease();

        lease.complete(response(201, "made"), KeySettlement.STORED, 201).block(WAIT);

        IdempotencyRecord record = this.store.record();
        assertThat(record.state()).isEqualTo(IdempotencyRecord.State.COMPLETED);
        assertThat(record.fencingToken()).isEqualTo(7);
        assertThat(record.response().status()).isEqualTo(201);
        assertThat(storedBody()).isEqualTo("made");
        assertThat(this.log.settlements()).containsExactly("STORED 201");
        assertThat(this.store.completes).hasValue(1);
    }

    @Test
    void aResultTheStoreRefusesBecauseAnotherRequestTookTheKeyIsALostLease() {
        KeyLease lease = lease();
        this.store.takeOver(8);

        lease.complete(response(200, "late"), KeySettlement.NOT_REPLAYABLE, 200).block(WAIT);

        assertThat(this.store.record().fencingToken()).isEqualTo(8);
        assertThat(this.store.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
        assertThat(this.log.settlements()).containsExactly("LEASE_LOST 200");
    }

    @Test
    void aBlipOfTwoFailuresIsRetriedBeforeTheCallerGoesOn() {
        KeyLease lease = lease();
        this.store.completeOutages.set(2);

        lease.complete(response(200, "ok"), KeySettlement.STORED, 200).block(WAIT);

        // Stored when complete returns: the client's retry gets the replay.
        assertThat(storedBody()).isEqualTo("ok");
        assertThat(this.store.completes).hasValue(3);
        assertThat(this.log.settlements()).containsExactly("STORED 200");
    }

    @Test
    void anOutageLeavesTheResultToTheBackgroundWhichStoresItOnceTheStoreIsBackAndRenewsTheLeaseMeanwhile()
            throws InterruptedException {
        KeyLease lease = lease();
        this.store.completeOutages.set(8);

        // The work ends as soon as complete gives up waiting; the clock must go on renewing.
        lease.renewWhile(lease.complete(response(200, "ok"), KeySettlement.STORED, 200), clock()).block(WAIT);

        int renewalsWhenTheWorkEnded = this.store.renewals.get();
        assertThat(this.log.settlements()).isEmpty();
        assertThat(storedBody()).isNull();
        this.log.await(WAIT, "STORED 200");
        assertThat(storedBody()).isEqualTo("ok");
        assertThat(this.store.completes).hasValue(9);
        // Five more tries, 100 to 250 ms apart: the lease, renewed every 100 ms, outlives them.
        assertThat(this.store.renewals.get()).as("renewals while the result waited for the store")
            .isGreaterThan(renewalsWhenTheWorkEnded + 1);
        assertThat(this.store.record().fencingToken()).isEqualTo(7);
        // Stored: the clock stops (just after the settlement is reported; a tick may still slip in between).
        Thread.sleep(100);
        int renewals = this.store.renewals.get();
        Thread.sleep(LEASE.toMillis());
        assertThat(this.store.renewals).hasValue(renewals);
    }

    @Test
    void theClockStopsOnceTheBackgroundHasStoredTheResultWhateverRenewalsAnswer() throws InterruptedException {
        KeyLease lease = lease();
        this.store.completeOutages.set(5);
        // Renewals that fail as in an outage count as still owned: only storing the result stops them.
        this.store.failRenewals();

        lease.renewWhile(lease.complete(response(200, "ok"), KeySettlement.STORED, 200), clock()).block(WAIT);
        this.log.await(WAIT, "STORED 200");

        Thread.sleep(100);
        int renewals = this.store.renewals.get();
        Thread.sleep(LEASE.toMillis());
        assertThat(this.store.renewals).hasValue(renewals);
    }

    @Test
    void aResultTheBackgroundCannotStoreWithinItsTtlIsAStoreFailure() throws InterruptedException {
        KeyLease lease = lease(Duration.ofMillis(400), null);
        this.store.completeOutages.set(Integer.MAX_VALUE);

        lease.complete(response(200, "ok"), KeySettlement.STORED, 200).block(WAIT);

        this.log.await(WAIT, "STORE_FAILED 200");
        assertThat(storedBody()).isNull();
    }

    @Test
    void anErrorThatIsNotAnOutageIsNeitherRetriedNorRaised() {
        KeyLease lease = lease();
        this.store.completeError = new IllegalStateException("record too large");

        lease.complete(response(200, "ok"), KeySettlement.STORED, 200).block(WAIT);

        assertThat(this.store.completes).hasValue(1);
        assertThat(this.store.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
        assertThat(this.log.settlements()).containsExactly("STORE_FAILED 200");
    }

    @Test
    void settlingFreesTheClientsPlaceInFlight() {
        lease(TTL, slot()).complete(response(200, "ok"), KeySettlement.STORED, 200).block(WAIT);
        assertThat(this.places.events()).containsExactly("free orders/client-1 7");
    }

    @Test
    void aReleaseFreesTheKeyAndThePlaceAndIsReported() {
        KeyLease lease = lease(TTL, slot());

        lease.release(KeySettlement.RELEASED_BY_STATUS, 503).block(WAIT);

        assertThat(this.store.record()).isNull();
        assertThat(this.places.events()).containsExactly("free orders/client-1 7");
        assertThat(this.log.settlements()).containsExactly("RELEASED_BY_STATUS 503");
    }

    @Test
    void aReleaseTheStoreCannotTakeIsRetriedThenGivenUpQuietly() {
        KeyLease lease = lease();
        this.store.releaseOutages.set(Integer.MAX_VALUE);

        lease.release(KeySettlement.RELEASED_UPSTREAM_FAILURE, 502).block(WAIT);

        assertThat(this.store.releases).hasValue(3);
        assertThat(this.store.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
        assertThat(this.log.settlements()).containsExactly("RELEASED_UPSTREAM_FAILURE 502");
    }

    @Test
    void aReleaseAfterABlipFreesTheKey() {
        KeyLease lease = lease();
        this.store.releaseOutages.set(2);

        lease.release(KeySettlement.RELEASED_BY_STATUS, 429).block(WAIT);

        assertThat(this.store.record()).isNull();
        assertThat(this.store.releases).hasValue(3);
    }

    @Test
    void anUnusedKeyIsFreedWithoutASettlement() {
        KeyLease lease = lease(TTL, slot());

        lease.releaseUnused().block(WAIT);

        assertThat(this.store.record()).isNull();
        assertThat(this.places.events()).containsExactly("free orders/client-1 7");
        assertThat(this.log.settlements()).isEmpty();
    }

    @Test
    void theLeaseAndThePlaceAreRenewedEveryThirdOfTheLeaseWhileTheWorkRunsAndNotAfter() throws InterruptedException {
        KeyLease lease = lease(TTL, slot());

        lease.renewWhile(Mono.delay(Duration.ofMillis(4 * LEASE.toMillis())).then(), clock()).block(WAIT);

        // The lease was really extended: the key outlived its first 300 ms by far.
        assertThat(this.store.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
        // The clock stops as the work's end is signalled; a tick may still slip in between.
        Thread.sleep(100);
        int renewals = this.store.renewals.get();
        // 4 leases of work at one renewal per third: about 12; a loaded machine may lose some ticks.
        assertThat(renewals).isBetween(4, 13);
        assertThat(this.places.events()).hasSizeBetween(renewals - 1, renewals).allMatch(event -> event.equals("hold orders/client-1 7 10 PT0.3S"));
        Thread.sleep(LEASE.toMillis());
        assertThat(this.store.renewals).hasValue(renewals);
    }

    @Test
    void aRefusedRenewalEndsTheRenewalsAndHoldsNoPlace() throws InterruptedException {
        KeyLease lease = lease(TTL, slot());
        this.store.renewAnswer = Mono.just(false);

        lease.renewWhile(Mono.delay(Duration.ofMillis(3 * LEASE.toMillis())).then(), clock()).block(WAIT);

        assertThat(this.store.renewals).hasValue(1);
        assertThat(this.places.events()).isEmpty();
    }

    @Test
    void aRenewalDuringAnOutageIsTriedAgainOnTheNextTick() {
        KeyLease lease = lease(TTL, slot());
        this.store.failRenewals();

        lease.renewWhile(Mono.delay(Duration.ofMillis(3 * LEASE.toMillis())).then(), clock()).block(WAIT);

        assertThat(this.store.renewals.get()).isGreaterThanOrEqualTo(3);
        // Answered as "still owned" to keep the clock going, and the place is renewed with it.
        assertThat(this.places.events()).hasSizeBetween(this.store.renewals.get() - 1, this.store.renewals.get());
    }

    /** Records what a lease does with its client's place in flight. */
    static final class Places implements InFlightKeys {

        private final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public Mono<Boolean> hold(ClientScope client, long fencingToken, int max, Duration lease) {
            return Mono.fromSupplier(() -> this.events.add("hold " + client.routeId() + "/" + client.clientId() + " "
                    + fencingToken + " " + max + " " + lease));
        }

        @Override
        public Mono<Void> free(ClientScope client, long fencingToken) {
            return Mono.fromRunnable(() -> this.events.add("free " + client.routeId() + "/" + client.clientId() + " " + fencingToken));
        }

        List<String> events() {
            return List.copyOf(this.events);
        }
    }
}
