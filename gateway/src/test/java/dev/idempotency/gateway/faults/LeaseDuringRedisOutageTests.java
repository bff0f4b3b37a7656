package dev.idempotency.gateway.faults;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.RecordCodec;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.core.StoredResponse;
import dev.idempotency.gateway.store.redis.RedisIdempotencyStore;
import dev.idempotency.gateway.testsupport.DurableRedisServer;
import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A claim's lease is counted only while Redis answers (docs/guarantees.md, "A lease that an outage
 * does not use up"): a key claimed before Redis went down stays claimed after it is back, however
 * long it was down, until its holder has had its lease of Redis answering; a dead holder's key is
 * still freed; claims of the previous version (no lease key) lapse as they did.
 */
class LeaseDuringRedisOutageTests {

    private static final Duration LEASE = Duration.ofSeconds(1);

    /** Over three leases: with the lease an absolute expiry, the claim is gone when Redis is back. */
    private static final Duration OUTAGE = Duration.ofSeconds(3);

    private static final RequestFingerprint FINGERPRINT = RequestFingerprint.builder().part("body", "{}").build();

    private final List<AutoCloseable> resources = new ArrayList<>();

    private DurableRedisServer redis;

    @BeforeEach
    void startRedis() {
        this.redis = DurableRedisServer.launch();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = this.resources.size() - 1; i >= 0; i--) {
            this.resources.get(i).close();
        }
        this.redis.close();
    }

    /** A store as one gateway instance has it, on a connection of its own. */
    private RedisIdempotencyStore store() {
        return instance().store();
    }

    private Instance instance() {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(this.redis.host(), this.redis.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(3)).build());
        factory.afterPropertiesSet();
        factory.start();
        this.resources.add(factory::destroy);
        RedisIdempotencyStore store = new RedisIdempotencyStore(factory, "idem:");
        this.resources.add(store);
        return new Instance(factory, store);
    }

    private record Instance(LettuceConnectionFactory factory, RedisIdempotencyStore store) {

        /** Waits until this instance's connection is back, without a call of its store. */
        void awaitReconnected() {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> {
                    ReactiveRedisConnection connection = this.factory.getReactiveConnection();
                    try {
                        return "PONG".equals(connection.ping().block());
                    }
                    finally {
                        connection.close();
                    }
                });
        }
    }

    private static ScopedKey newKey() {
        return new ScopedKey("orders", "client-a", IdempotencyKey.of(UUID.randomUUID().toString()));
    }

    private static IdempotencyRecord claim() {
        return IdempotencyRecord.inFlight(ThreadLocalRandom.current().nextLong(), FINGERPRINT, Instant.now());
    }

    private void outage() throws InterruptedException {
        this.redis.stop();
        Thread.sleep(OUTAGE.toMillis());
        this.redis.start();
    }

    /** The first answer Redis gives through {@code store} once it is back. */
    private static BeginResult beginOnceBack(RedisIdempotencyStore store, ScopedKey key, IdempotencyRecord claim) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return store.begin(key, claim, LEASE).block();
            }
            catch (StoreUnavailableException ex) {
                assertThat(System.nanoTime() - deadline).as("Redis is back within 20 s").isNegative();
                sleep(20);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void aClaimOutlivesAnOutageLongerThanItsLeaseAndItsHolderStoresItsResult() throws InterruptedException {
        RedisIdempotencyStore holder = store();
        // The retry comes through another instance that saw Redis answer before the outage and sent
        // nothing during it, nor after it until its connection was back: only the dropped
        // connection tells it Redis was down.
        Instance otherInstance = instance();
        RedisIdempotencyStore other = otherInstance.store();
        ScopedKey key = newKey();
        IdempotencyRecord first = claim();
        assertThat(holder.begin(key, first, LEASE).block()).isEqualTo(new BeginResult.Claimed(first.fencingToken()));
        assertThat(other.begin(newKey(), claim(), LEASE).block()).isInstanceOf(BeginResult.Claimed.class);

        outage();
        otherInstance.awaitReconnected();

        BeginResult retry = other.begin(key, claim(), LEASE).block();
        assertThat(retry).as("the retry right after the outage finds the key still in flight")
            .isInstanceOf(BeginResult.Existing.class);
        assertThat(((BeginResult.Existing) retry).record().fencingToken()).isEqualTo(first.fencingToken());
        assertThat(holder.complete(key, first.complete(response()), Duration.ofHours(1))
            .retryWhen(reactor.util.retry.Retry.fixedDelay(100, Duration.ofMillis(50))).block())
            .as("the holder's late result is stored, not refused as a lost lease").isTrue();
        assertThat(((BeginResult.Existing) other.begin(key, claim(), LEASE).block()).record().state())
            .isEqualTo(IdempotencyRecord.State.COMPLETED);
    }

    @Test
    void aDeadHoldersKeyIsFreeAfterItsLeaseOfRedisAnsweringEvenAcrossAnOutage() throws InterruptedException {
        RedisIdempotencyStore dead = store();
        RedisIdempotencyStore other = store();
        ScopedKey key = newKey();
        dead.begin(key, claim(), LEASE).block();

        outage();

        IdempotencyRecord retry = claim();
        assertThat(beginOnceBack(other, key, retry)).isInstanceOf(BeginResult.Existing.class);
        long back = System.nanoTime();
        // Retries every 100 ms, as clients do after 409 (Retry-After): the key frees itself after
        // one lease of Redis answering, never sooner, and not much later.
        BeginResult result;
        do {
            sleep(100);
            result = other.begin(key, retry, LEASE).block();
        }
        while (result instanceof BeginResult.Existing && System.nanoTime() - back < TimeUnit.SECONDS.toNanos(10));
        long freedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
        assertThat(result).isEqualTo(new BeginResult.Claimed(retry.fencingToken()));
        assertThat(freedAfter).isGreaterThanOrEqualTo(LEASE.toMillis() - 150).isLessThan(LEASE.toMillis() + 3000);
    }

    @Test
    void aClaimOfThePreviousVersionLapsesByItsExpiryAndThePreviousVersionSeesNewClaimsInFlight() {
        RedisIdempotencyStore store = store();
        RedisClient client = RedisClient.create("redis://" + this.redis.host() + ":" + this.redis.port());
        this.resources.add(client::shutdown);
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        this.resources.add(connection);

        // The previous version's begin.lua, word for word: one key, the lease as the record's PX.
        String previousBegin = """
                local current = redis.call('GET', KEYS[1])
                if current then
                  return current
                end
                redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
                return false
                """;
        ScopedKey old = newKey();
        IdempotencyRecord oldClaim = claim();
        connection.sync().eval(previousBegin, ScriptOutputType.VALUE, new byte[][] { bytes(store.redisKey(old)) },
                RecordCodec.encode(oldClaim), bytes("2000"));
        BeginResult whileHeld = store.begin(old, claim(), LEASE).block();
        assertThat(((BeginResult.Existing) whileHeld).record().fencingToken()).isEqualTo(oldClaim.fencingToken());
        IdempotencyRecord next = claim();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
            .until(() -> store.begin(old, next, LEASE).block() instanceof BeginResult.Claimed);

        ScopedKey fresh = newKey();
        IdempotencyRecord newClaim = claim();
        store.begin(fresh, newClaim, LEASE).block();
        byte[] seenByPrevious = connection.sync().eval(previousBegin, ScriptOutputType.VALUE,
                new byte[][] { bytes(store.redisKey(fresh)) }, RecordCodec.encode(claim()), bytes("300"));
        assertThat(RecordCodec.decode(seenByPrevious).fencingToken()).as("the previous version answers 409")
            .isEqualTo(newClaim.fencingToken());
    }

    @Test
    void theLeaseKeyIsInTheRecordsClusterSlot() {
        for (String record : List.of("idem:abc", "{idem}:abc", "x{tag}y:abc")) {
            assertThat(io.lettuce.core.cluster.SlotHash.getSlot(RedisIdempotencyStore.leaseKey(record)))
                .as(record).isEqualTo(io.lettuce.core.cluster.SlotHash.getSlot(record));
        }
    }

    /**
     * The fault of issue 20 through two gateway instances: a request holds its key on the first
     * when Redis goes down for three leases; the client's retry through the second, right after
     * Redis is back, must not execute the order again.
     */
    @Test
    void aRetryRightAfterAnOutageLongerThanTheLeaseIsNotExecutedAgain() throws Exception {
        WireMockServer upstream = Upstream.start();
        this.resources.add(upstream::stop);
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withFixedDelay(6000)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"42\"}")));
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**")
                .filter("Idempotency", Map.of("lockTimeout", "1s"))
            .properties());
        properties.addAll(List.of(this.redis.storeProperties()));
        GatewayInstance first = GatewayInstance.start(properties);
        this.resources.add(first);
        GatewayInstance second = GatewayInstance.start(properties);
        this.resources.add(second);
        String key = "k-" + UUID.randomUUID();
        // The second instance has seen Redis answer before the outage, and is idle during it.
        upstream.stubFor(post("/orders/warm-up").willReturn(aResponse().withStatus(201)));
        assertThat(new GatewayClient(second).post("/orders/warm-up", "w-" + UUID.randomUUID(), "{}").getStatus().value())
            .isEqualTo(201);

        CompletableFuture<EntityExchangeResult<byte[]>> original = CompletableFuture
            .supplyAsync(() -> new GatewayClient(first).post("/orders", key, "{}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> executions(upstream, key) == 1);
        outage();

        EntityExchangeResult<byte[]> retry;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do {
            retry = new GatewayClient(second).post("/orders", key, "{}");
        }
        while (retry.getStatus().value() == 503 && System.nanoTime() < deadline && sleepAndTrue(20));
        assertThat(retry.getStatus().value()).as("the retry right after the outage: still in progress, "
                + GatewayClient.body(retry)).isEqualTo(409);

        EntityExchangeResult<byte[]> answered = original.get(30, TimeUnit.SECONDS);
        assertThat(answered.getStatus().value()).isEqualTo(201);
        EntityExchangeResult<byte[]> replay = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
            .until(() -> new GatewayClient(second).post("/orders", key, "{}"), result -> result.getStatus().value() == 201);
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(executions(upstream, key)).as("executions of the order").isEqualTo(1);
    }

    private static boolean sleepAndTrue(long millis) {
        sleep(millis);
        return true;
    }

    private static int executions(WireMockServer upstream, String key) {
        return upstream.findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key))).size();
    }

    private static StoredResponse response() {
        return StoredResponse.builder(201).header("Content-Type", "application/json").body("{}".getBytes()).build();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
