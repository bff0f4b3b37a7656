package dev.idempotency.gateway.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.ClientScope;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StorageIds;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.core.StoredResponse;
import dev.idempotency.gateway.store.redis.RedisIdempotencyStore;
import dev.idempotency.gateway.store.redis.RedisInFlightKeys;
import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link IdempotencyStore#countingInFlight} on one Redis server: the claim's own scripts keep the
 * client's count of keys in flight, the same sorted set {@link RedisInFlightKeys} keeps, so a
 * capped first request costs no round trip more than an uncapped one.
 */
class RedisCountingInFlightTests {

    private static final Duration LEASE = Duration.ofSeconds(30);

    private static final RequestFingerprint FINGERPRINT = RequestFingerprint.builder().part("body", "{}").build();

    private static final StorageIds STORAGE_IDS = StorageIds.sha256();

    private static RedisServer redis;

    private static LettuceConnectionFactory connectionFactory;

    private static RedisIdempotencyStore store;

    private static RedisInFlightKeys inFlightKeys;

    private IdempotencyStore capped;

    private String clientId;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.launch();
        connectionFactory = factory(redis);
        store = new RedisIdempotencyStore(connectionFactory, "idem:", STORAGE_IDS, null);
        inFlightKeys = new RedisInFlightKeys(connectionFactory, "idem:", STORAGE_IDS);
    }

    @AfterAll
    static void stopRedis() {
        inFlightKeys.close();
        store.close();
        connectionFactory.destroy();
        redis.close();
    }

    @BeforeEach
    void capAtTwo() {
        this.capped = store.countingInFlight(2).orElseThrow();
        this.clientId = "client-" + UUID.randomUUID();
    }

    @Test
    void aClientAtItsLimitGetsOverInFlightLimitAndNothingIsClaimed() {
        assertThat(begin(key(), claim())).isInstanceOf(BeginResult.Claimed.class);
        assertThat(begin(key(), claim())).isInstanceOf(BeginResult.Claimed.class);
        ScopedKey third = key();

        assertThat(begin(third, claim())).isInstanceOf(BeginResult.OverInFlightLimit.class);
        assertThat(store.inspect(third).blockOptional()).isEmpty();
        assertThat(placesHeld()).isEqualTo(2);
        // Another client, and the same client on another route, have room.
        assertThat(this.capped.begin(new ScopedKey("orders", this.clientId + "-b", IdempotencyKey.of("k")), claim(), LEASE)
            .block()).isInstanceOf(BeginResult.Claimed.class);
        assertThat(this.capped.begin(new ScopedKey("payments", this.clientId, IdempotencyKey.of("k")), claim(), LEASE)
            .block()).isInstanceOf(BeginResult.Claimed.class);
    }

    @Test
    void aKeyThatIsTakenIsAnsweredWhateverTheCount() {
        ScopedKey done = key();
        IdempotencyRecord owner = claim();
        begin(done, owner);
        assertThat(this.capped.complete(done, owner.complete(response()), LEASE).block()).isTrue();
        ScopedKey running = key();
        begin(running, claim());
        begin(key(), claim());

        assertThat(begin(done, claim())).isInstanceOfSatisfying(BeginResult.Existing.class,
                existing -> assertThat(existing.record().state()).isEqualTo(IdempotencyRecord.State.COMPLETED));
        assertThat(begin(running, claim())).isInstanceOfSatisfying(BeginResult.Existing.class,
                existing -> assertThat(existing.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT));
        assertThat(placesHeld()).isEqualTo(2);
    }

    @Test
    void completingOrReleasingFreesThePlaceEvenWhenTheKeyIsRefused() {
        ScopedKey first = key();
        IdempotencyRecord firstOwner = claim();
        ScopedKey second = key();
        IdempotencyRecord secondOwner = claim();
        begin(first, firstOwner);
        begin(second, secondOwner);

        assertThat(this.capped.complete(first, firstOwner.complete(response()), LEASE).block()).isTrue();
        assertThat(placesHeld()).isEqualTo(1);
        this.capped.release(second, secondOwner.fencingToken()).block();
        assertThat(placesHeld()).isZero();
        assertThat(redis.command("EXISTS", countKey())).isEqualTo(":0\r\n");

        // A place whose key another owner took since is freed all the same: its request is over.
        ScopedKey lost = key();
        IdempotencyRecord lostOwner = claim();
        begin(lost, lostOwner);
        store.purge(lost).block();
        begin(lost, claim());
        assertThat(placesHeld()).isEqualTo(2);
        assertThat(this.capped.complete(lost, lostOwner.complete(response()), LEASE).block()).isFalse();
        assertThat(placesHeld()).isEqualTo(1);
    }

    @Test
    void renewingTheLeaseRenewsThePlaceButNeverTakesAFreedOneAgain() {
        ScopedKey key = key();
        IdempotencyRecord owner = claim();
        assertThat(this.capped.begin(key, owner, Duration.ofSeconds(2)).block()).isInstanceOf(BeginResult.Claimed.class);

        assertThat(this.capped.renew(key, owner.fencingToken(), LEASE).block()).isTrue();
        assertThat(placesHeld()).isEqualTo(1);
        long ttl = Long.parseLong(redis.command("PTTL", countKey()).substring(1).trim());
        assertThat(ttl).isBetween(LEASE.toMillis() - 5_000, LEASE.toMillis());
        // Freed while the key is still held (its result is being stored): a renewal keeps it free.
        redis.command("ZREM", countKey(), Long.toString(owner.fencingToken()));
        assertThat(this.capped.renew(key, owner.fencingToken(), LEASE).block()).isTrue();
        assertThat(placesHeld()).isZero();
        // A renewal by a token that does not hold its key takes no place either.
        assertThat(this.capped.renew(key(), 42L, LEASE).block()).isFalse();
        assertThat(placesHeld()).isZero();
    }

    @Test
    void aPlaceThatLapsedIsNotTakenAgainByARenewal() {
        // A longer place keeps the set, and so the lapsed entry in it, until a claim trims it.
        begin(key(), claim());
        ScopedKey key = key();
        IdempotencyRecord owner = claim();
        assertThat(this.capped.begin(key, owner, Duration.ofMillis(300)).block()).isInstanceOf(BeginResult.Claimed.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> placesHeld() == 1);
        assertThat(redis.command("ZCARD", countKey())).isEqualTo(":2\r\n");

        assertThat(this.capped.renew(key, owner.fencingToken(), LEASE).block()).isTrue();
        assertThat(placesHeld()).isEqualTo(1);
    }

    @Test
    void placesHeldThroughInFlightKeysCountTooAndLapseWithTheirLease() {
        // A gateway that counts with a call of its own (Redis Cluster, an older version) shares the count.
        ClientScope client = new ClientScope("orders", this.clientId);
        assertThat(inFlightKeys.hold(client, 7L, 2, Duration.ofMillis(400)).block()).isTrue();
        assertThat(inFlightKeys.redisKey(client)).isEqualTo(countKey());
        ScopedKey mine = key();
        IdempotencyRecord owner = claim();
        begin(mine, owner);

        assertThat(begin(key(), claim())).isInstanceOf(BeginResult.OverInFlightLimit.class);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
            .until(() -> begin(key(), claim()) instanceof BeginResult.Claimed);
        // Freed by the other kind too: the same member, the token in decimal.
        inFlightKeys.free(client, owner.fencingToken()).block();
        assertThat(placesHeld()).isEqualTo(1);
    }

    @Test
    void uncountedCallsOfTheSameStoreLeaveTheCountAlone() {
        begin(key(), claim());
        ScopedKey uncounted = key();
        IdempotencyRecord owner = claim();
        assertThat(store.begin(uncounted, owner, LEASE).block()).isInstanceOf(BeginResult.Claimed.class);
        assertThat(store.complete(uncounted, owner.complete(response()), LEASE).block()).isTrue();
        assertThat(placesHeld()).isEqualTo(1);
    }

    /**
     * A server that keeps slots (a proxy sharding behind one address looks the same to a standalone
     * client) refuses a script whose keys are in different slots: that request fails like an
     * unreachable store, nothing is claimed, and the store counts separately from then on.
     */
    @Test
    void aServerThatRefusesKeysInDifferentSlotsTurnsCountingInTheClaimOff() throws Exception {
        Path nodes = Files.createTempFile("nodes-", ".conf");
        Files.delete(nodes);
        RedisServer slotted = RedisServer.launchLocal("--cluster-enabled", "yes", "--cluster-config-file", nodes.toString());
        LettuceConnectionFactory standalone = factory(slotted);
        try {
            slotted.command("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
            await().atMost(Duration.ofSeconds(10)).until(() -> slotted.command("CLUSTER", "INFO").contains("cluster_state:ok"));
            RedisIdempotencyStore sharded = new RedisIdempotencyStore(standalone, "idem:", STORAGE_IDS, null);
            IdempotencyStore counting = sharded.countingInFlight(2).orElseThrow();
            ScopedKey key = key();

            assertThatThrownBy(() -> counting.begin(key, claim(), LEASE).block())
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("CROSSSLOT");
            assertThat(sharded.inspect(key).blockOptional()).isEmpty();
            assertThat(sharded.countingInFlight(2)).isEqualTo(Optional.empty());
            assertThat(sharded.begin(key, claim(), LEASE).block()).isInstanceOf(BeginResult.Claimed.class);
            sharded.close();
        }
        finally {
            standalone.destroy();
            slotted.close();
            Files.deleteIfExists(nodes);
        }
    }

    @Test
    void aCapBelowOneIsAMistake() {
        assertThatThrownBy(() -> store.countingInFlight(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private BeginResult begin(ScopedKey key, IdempotencyRecord claim) {
        return this.capped.begin(key, claim, LEASE).block();
    }

    private ScopedKey key() {
        return new ScopedKey("orders", this.clientId, IdempotencyKey.of(UUID.randomUUID().toString()));
    }

    private String countKey() {
        return inFlightKeys.redisKey(new ClientScope("orders", this.clientId));
    }

    private int placesHeld() {
        return Integer.parseInt(zcount());
    }

    // Places whose lease has not ended, as Redis sees it now.
    private String zcount() {
        String now = redis.command("TIME").split("\r\n")[2];
        return redis.command("ZCOUNT", countKey(), "(" + now + "000", "+inf").substring(1).trim();
    }

    private static IdempotencyRecord claim() {
        return IdempotencyRecord.inFlight(ThreadLocalRandom.current().nextLong(), FINGERPRINT, Instant.now());
    }

    private static StoredResponse response() {
        return StoredResponse.builder(201).body(new byte[] { '{', '}' }).build();
    }

    private static LettuceConnectionFactory factory(RedisServer server) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(server.host(), server.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(3)).build());
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }
}
