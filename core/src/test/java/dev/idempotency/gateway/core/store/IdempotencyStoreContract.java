package dev.idempotency.gateway.core.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.ConcurrentCalls;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoredResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link IdempotencyStore} guarantees; one subclass per implementation: core runs it
 * for the memory store, the gateway (from core's test-jar) for Redis, encrypted Redis and Cluster.
 */
public abstract class IdempotencyStoreContract {

    protected static final Duration LONG = Duration.ofMinutes(1);

    protected static final RequestFingerprint FINGERPRINT = RequestFingerprint.builder().part("body", "{}").build();

    protected static final StoredResponse RESPONSE = StoredResponse.builder(201)
        .header("Content-Type", "application/json")
        .body("{\"orderId\":\"42\"}".getBytes())
        .build();

    protected abstract IdempotencyStore store();

    protected static ScopedKey newKey() {
        return new ScopedKey("orders", "client-a", IdempotencyKey.of(UUID.randomUUID().toString()));
    }

    protected static IdempotencyRecord claim() {
        return IdempotencyRecord.inFlight(ThreadLocalRandom.current().nextLong(), FINGERPRINT, Instant.now());
    }

    protected BeginResult begin(ScopedKey key, IdempotencyRecord claim, Duration lease) {
        return store().begin(key, claim, lease).block();
    }

    protected boolean complete(ScopedKey key, IdempotencyRecord claim, Duration ttl) {
        return store().complete(key, claim.complete(RESPONSE), ttl).block();
    }

    @Test
    void firstBeginClaimsTheKey() {
        IdempotencyRecord claim = claim();
        assertThat(begin(newKey(), claim, LONG)).isEqualTo(new BeginResult.Claimed(claim.fencingToken()));
    }

    @Test
    void secondBeginSeesTheRequestInFlight() {
        ScopedKey key = newKey();
        IdempotencyRecord claim = claim();
        begin(key, claim, LONG);
        BeginResult second = begin(key, claim(), LONG);
        assertThat(second).isInstanceOf(BeginResult.Existing.class);
        IdempotencyRecord existing = ((BeginResult.Existing) second).record();
        assertThat(existing.state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
        assertThat(existing.fencingToken()).isEqualTo(claim.fencingToken());
        assertThat(existing.fingerprint()).isEqualTo(FINGERPRINT);
    }

    @Test
    void completedResultIsReturnedToLaterBegins() {
        ScopedKey key = newKey();
        IdempotencyRecord claim = claim();
        begin(key, claim, LONG);
        assertThat(complete(key, claim, LONG)).isTrue();
        IdempotencyRecord existing = ((BeginResult.Existing) begin(key, claim(), LONG)).record();
        assertThat(existing.state()).isEqualTo(IdempotencyRecord.State.COMPLETED);
        assertThat(existing.response().status()).isEqualTo(201);
        assertThat(existing.response().body()).isEqualTo(RESPONSE.body());
        assertThat(existing.response().headers()).isEqualTo(RESPONSE.headers());
    }

    @Test
    void onlyTheOwnerCompletesAndOnlyOnce() {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        assertThat(complete(key, claim(), LONG)).isFalse();
        assertThat(complete(key, owner, LONG)).isTrue();
        assertThat(complete(key, claim(), LONG)).as("another owner never replaces a stored result").isFalse();
    }

    @Test
    void completingAgainWithTheSameTokenIsAcceptedAndChangesNothing() {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        assertThat(complete(key, owner, LONG)).isTrue();
        // A retry after a complete whose acknowledgement was lost (a timeout after Redis applied it).
        IdempotencyRecord retried = owner.complete(StoredResponse.builder(500).body(new byte[] { 1 }).build());
        assertThat(store().complete(key, retried, LONG).block()).isTrue();
        BeginResult.Existing existing = (BeginResult.Existing) begin(key, claim(), LONG);
        assertThat(existing.record().response().status()).isEqualTo(RESPONSE.status());
    }

    @Test
    void releaseFreesTheKeyForTheOwnerOnly() {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        store().release(key, owner.fencingToken() + 1).block();
        assertThat(begin(key, claim(), LONG)).isInstanceOf(BeginResult.Existing.class);
        store().release(key, owner.fencingToken()).block();
        IdempotencyRecord next = claim();
        assertThat(begin(key, next, LONG)).isEqualTo(new BeginResult.Claimed(next.fencingToken()));
    }

    @Test
    void releaseNeverRemovesACompletedResult() {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        complete(key, owner, LONG);
        store().release(key, owner.fencingToken()).block();
        assertThat(((BeginResult.Existing) begin(key, claim(), LONG)).record().state())
            .isEqualTo(IdempotencyRecord.State.COMPLETED);
    }

    @Test
    void expiredLeaseLetsANewOwnerInAndFencesTheStaleOne() throws InterruptedException {
        ScopedKey key = newKey();
        IdempotencyRecord stale = claim();
        begin(key, stale, Duration.ofMillis(200));
        Thread.sleep(400);
        IdempotencyRecord newer = claim();
        assertThat(begin(key, newer, LONG)).isEqualTo(new BeginResult.Claimed(newer.fencingToken()));

        store().release(key, stale.fencingToken()).block();
        assertThat(store().renew(key, stale.fencingToken(), LONG).block()).isFalse();
        assertThat(complete(key, stale, LONG)).isFalse();

        assertThat(complete(key, newer, LONG)).isTrue();
        assertThat(complete(key, stale, LONG)).isFalse();
        assertThat(((BeginResult.Existing) begin(key, claim(), LONG)).record().fencingToken())
            .isEqualTo(newer.fencingToken());
    }

    @Test
    void ownerWhoseLeaseRanOutUnclaimedStillStoresTheRealResult() throws InterruptedException {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, Duration.ofMillis(200));
        Thread.sleep(400);
        assertThat(complete(key, owner, LONG)).isTrue();
        assertThat(((BeginResult.Existing) begin(key, claim(), LONG)).record().state())
            .isEqualTo(IdempotencyRecord.State.COMPLETED);
    }

    @Test
    void renewKeepsTheLeaseAlive() throws InterruptedException {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        // Wide margins: on a loaded CI machine a renewal sent 100 ms in can arrive much later.
        begin(key, owner, Duration.ofMillis(1200));
        Thread.sleep(100);
        assertThat(store().renew(key, owner.fencingToken(), Duration.ofSeconds(10)).block()).isTrue();
        Thread.sleep(1500);
        assertThat(begin(key, claim(), LONG)).isInstanceOf(BeginResult.Existing.class);
        assertThat(store().renew(key, owner.fencingToken() + 1, LONG).block()).isFalse();
    }

    @Test
    void completedResultExpiresAfterItsTtl() throws InterruptedException {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        complete(key, owner, Duration.ofMillis(300));
        Thread.sleep(500);
        IdempotencyRecord next = claim();
        assertThat(begin(key, next, LONG)).isEqualTo(new BeginResult.Claimed(next.fencingToken()));
    }

    @Test
    void inspectShowsStateAndRemainingLifetimeWithoutChangingAnything() {
        ScopedKey key = newKey();
        assertThat(store().inspect(key).blockOptional()).isEmpty();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        IdempotencyStore.InspectedRecord inFlight = store().inspect(key).block();
        assertThat(inFlight.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
        assertThat(inFlight.expiresIn()).isPositive().isLessThanOrEqualTo(LONG);
        complete(key, owner, Duration.ofHours(24));
        IdempotencyStore.InspectedRecord completed = store().inspect(key).block();
        assertThat(completed.record().response().status()).isEqualTo(201);
        assertThat(completed.expiresIn()).isGreaterThan(Duration.ofHours(23));
    }

    @Test
    void inspectShowsWhatIsLeftOfTheLifetimeNotTheWholeOfIt() throws InterruptedException {
        ScopedKey key = newKey();
        begin(key, claim(), LONG);
        Thread.sleep(300);
        assertThat(store().inspect(key).block().expiresIn()).isLessThanOrEqualTo(LONG.minusMillis(250));
    }

    @Test
    void purgeFreesTheKeyWhateverItsState() {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        complete(key, owner, LONG);
        assertThat(store().purge(key).block()).isTrue();
        assertThat(store().purge(key).block()).isFalse();
        IdempotencyRecord next = claim();
        assertThat(begin(key, next, LONG)).isEqualTo(new BeginResult.Claimed(next.fencingToken()));
    }

    @Test
    void waitersAreWokenWhenTheKeySettlesNotWhenTheirBoundPasses() {
        // An instance's first wait subscribes to wake-ups and ends once subscribed: the caller looks again.
        store().awaitSettlement(newKey(), Duration.ofSeconds(5)).block();
        ScopedKey completedKey = newKey();
        IdempotencyRecord owner = claim();
        begin(completedKey, owner, LONG);
        // Bound 30 s, verified within 5 s: only a wake-up can end the wait that early.
        StepVerifier.create(store().awaitSettlement(completedKey, Duration.ofSeconds(30)))
            .then(() -> complete(completedKey, owner, LONG))
            .expectComplete()
            .verify(Duration.ofSeconds(5));

        ScopedKey releasedKey = newKey();
        IdempotencyRecord other = claim();
        begin(releasedKey, other, LONG);
        StepVerifier.create(store().awaitSettlement(releasedKey, Duration.ofSeconds(30)))
            .then(() -> store().release(releasedKey, other.fencingToken()).block())
            .expectComplete()
            .verify(Duration.ofSeconds(5));
    }

    @Test
    void waitEndsAfterItsBoundWithoutAWakeUp() {
        ScopedKey key = newKey();
        begin(key, claim(), LONG);
        StepVerifier.create(store().awaitSettlement(key, Duration.ofMillis(200)))
            .expectComplete()
            .verify(Duration.ofSeconds(5));
    }

    @Test
    void scopesNeverCollide() {
        IdempotencyKey same = IdempotencyKey.of("k-" + UUID.randomUUID());
        ScopedKey a = new ScopedKey("orders", "client-a", same);
        ScopedKey b = new ScopedKey("orders", "client-b", same);
        ScopedKey c = new ScopedKey("payments", "client-a", same);
        IdempotencyRecord first = claim();
        begin(a, first, LONG);
        assertThat(begin(b, claim(), LONG)).isInstanceOf(BeginResult.Claimed.class);
        assertThat(begin(c, claim(), LONG)).isInstanceOf(BeginResult.Claimed.class);
        // Separator games cannot alias two scopes: ("a:b", "c") vs ("a", "b:c").
        IdempotencyKey key = IdempotencyKey.of("c");
        assertThat(new ScopedKey("r", "a:b", key).storageId()).isNotEqualTo(new ScopedKey("r", "a", IdempotencyKey.of("b:c")).storageId());
    }

    /** Threads racing per key; the rounds make a window of a few instructions show up on two cores. */
    static final int RACERS = 8;

    static final int ROUNDS = 50;

    @Test
    void concurrentBeginsOnOneKeyClaimItExactlyOnce() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            ScopedKey key = newKey();
            List<IdempotencyRecord> claims = Stream.generate(IdempotencyStoreContract::claim).limit(RACERS).toList();
            List<BeginResult> results = ConcurrentCalls.race(claims, claim -> store().begin(key, claim, LONG).block());

            List<Long> claimedTokens = results.stream().filter(BeginResult.Claimed.class::isInstance)
                .map(result -> ((BeginResult.Claimed) result).fencingToken()).toList();
            assertThat(claimedTokens).as("round %d: claims of one key", round).hasSize(1);
            assertThat(results).filteredOn(BeginResult.Existing.class::isInstance)
                .allSatisfy(result -> assertThat(((BeginResult.Existing) result).record().fencingToken())
                    .as("the losers see the winner's claim").isEqualTo(claimedTokens.get(0)));
        }
    }

    @Test
    void concurrentCompletesWithStaleTokensNeverReplaceTheOwners() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            ScopedKey key = newKey();
            IdempotencyRecord owner = claim();
            begin(key, owner, LONG);
            List<IdempotencyRecord> completers = new ArrayList<>(
                    Stream.generate(IdempotencyStoreContract::claim).limit(RACERS - 1).toList());
            completers.add(owner);
            List<Boolean> stored = ConcurrentCalls.race(completers,
                    completer -> store().complete(key, completer.complete(responseOf(completer)), LONG).block());

            assertThat(stored.get(RACERS - 1)).as("round %d: the owner's complete", round).isTrue();
            assertThat(stored.subList(0, RACERS - 1)).as("round %d: stale tokens", round).containsOnly(false);
            assertThat(storedToken(key)).isEqualTo(owner.fencingToken());
        }
    }

    @Test
    void concurrentCompletesOfAnUnclaimedKeyStoreExactlyOneResult() throws Exception {
        // The lease ran out and nobody claimed the key: every late owner may store, but only the first does.
        for (int round = 0; round < ROUNDS; round++) {
            ScopedKey key = newKey();
            List<IdempotencyRecord> owners = Stream.generate(IdempotencyStoreContract::claim).limit(RACERS).toList();
            List<Boolean> stored = ConcurrentCalls.race(owners,
                    owner -> store().complete(key, owner.complete(responseOf(owner)), LONG).block());

            assertThat(stored).as("round %d: results stored", round).containsOnlyOnce(true);
            long winner = owners.get(stored.indexOf(true)).fencingToken();
            assertThat(storedToken(key)).isEqualTo(winner);
            BeginResult.Existing existing = (BeginResult.Existing) begin(key, claim(), LONG);
            assertThat(existing.record().response().body()).as("the winner's response, whole")
                .isEqualTo(responseOf(owners.get(stored.indexOf(true))).body());
        }
    }

    private long storedToken(ScopedKey key) {
        return store().inspect(key).block().record().fencingToken();
    }

    /** A response that names its owner, so a stored result shows whose it is. */
    private static StoredResponse responseOf(IdempotencyRecord owner) {
        return StoredResponse.builder(201).body(Long.toString(owner.fencingToken()).getBytes()).build();
    }
}
