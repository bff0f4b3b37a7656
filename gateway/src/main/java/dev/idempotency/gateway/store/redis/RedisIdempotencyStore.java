package dev.idempotency.gateway.store.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.event.connection.ReconnectAttemptEvent;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.RecordCodec;
import dev.idempotency.gateway.core.RecordEncryption;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StorageIds;
import dev.idempotency.gateway.core.StoreUnavailableException;

/**
 * Keeps records in Redis, one string key per record in {@link RecordCodec}'s binary form, so each
 * operation is one Lua script on one slot (the record, and a claim's lease key): one round trip,
 * atomic, and valid on Redis Cluster.
 * Scripts run by {@code EVALSHA}, falling back to {@code EVAL} once after a Redis restart.
 *
 * <p>A claim's lease is kept beside its record, under {@link #leaseKey(String)} in the same slot,
 * and counted only over time Redis answered (begin.lua says how), so an outage does not use it up;
 * Redis itself keeps a claim for its lease plus {@link #OUTAGE_BRIDGE} at most.
 */
public class RedisIdempotencyStore implements IdempotencyStore, AutoCloseable {

    private static final Log logger = LogFactory.getLog(RedisIdempotencyStore.class);

    private static final Script<byte[]> BEGIN = new Script<>("begin", byte[].class, ScriptOutputType.VALUE);

    private static final Script<Long> COMPLETE = new Script<>("complete", Long.class, ScriptOutputType.INTEGER);

    private static final Script<Long> RELEASE = new Script<>("release", Long.class, ScriptOutputType.INTEGER);

    private static final Script<Long> RENEW = new Script<>("renew", Long.class, ScriptOutputType.INTEGER);

    // Read by operators only: it stays on the template, which gives its multi-bulk reply as one list.
    @SuppressWarnings("rawtypes")
    private static final Script<List> INSPECT = new Script<>("inspect", List.class, null);

    /** The longest Redis outage a claim outlives: Redis drops it this long after its last renewal. */
    public static final Duration OUTAGE_BRIDGE = Duration.ofMinutes(10);

    private final ReactiveRedisTemplate<String, byte[]> redis;

    private final RedisAvailability availability = new RedisAvailability();

    private final String keyPrefix;

    private final RedisSettlementSubscriber settlements;

    private final StorageIds storageIds;

    private final RecordEncryption encryption;

    private final ReplicaAcknowledgedCompletions replicaAcknowledged;

    private final byte[] channel;

    private final Disposable disconnects;

    private final ScriptCalls scriptCalls;

    // Whether the claim's scripts may name the client's count of keys in flight too (countingInFlight).
    private volatile boolean countsInClaims;

    /** Unkeyed record names, no encryption: for tests and trials. */
    public RedisIdempotencyStore(ReactiveRedisConnectionFactory connectionFactory, String keyPrefix) {
        this(connectionFactory, keyPrefix, StorageIds.sha256(), null);
    }

    /**
     * @param storageIds names records; keyed in production
     * @param encryption seals records before they reach Redis; {@code null} to store them in clear
     */
    public RedisIdempotencyStore(ReactiveRedisConnectionFactory connectionFactory, String keyPrefix,
            StorageIds storageIds, RecordEncryption encryption) {
        this(connectionFactory, keyPrefix, storageIds, encryption, null);
    }

    /**
     * @param replicaAcknowledged stores results and waits for replicas to acknowledge them;
     * {@code null} to store them on the shared connection without waiting
     */
    public RedisIdempotencyStore(ReactiveRedisConnectionFactory connectionFactory, String keyPrefix,
            StorageIds storageIds, RecordEncryption encryption, ReplicaAcknowledgedCompletions replicaAcknowledged) {
        this.redis = RedisStoreSupport.template(connectionFactory);
        this.keyPrefix = keyPrefix;
        leaseKey(keyPrefix + "check"); // a prefix that would put a lease in another slot fails here
        this.settlements = new RedisSettlementSubscriber(connectionFactory, keyPrefix + "settled");
        this.storageIds = storageIds;
        this.encryption = encryption;
        this.replicaAcknowledged = replicaAcknowledged;
        this.channel = this.settlements.channel().getBytes(StandardCharsets.UTF_8);
        this.disconnects = watchDisconnects(connectionFactory, this.availability);
        this.scriptCalls = ScriptCalls.of(connectionFactory);
        this.countsInClaims = connectionFactory instanceof LettuceConnectionFactory lettuce && !lettuce.isClusterAware();
    }

    // A dropped connection is a failure even when no call of this gateway was under way: an idle
    // gateway must not count an outage it slept through (a crashed Redis drops every connection).
    // Lettuce tries to reconnect a connection it lost, and only one it lost: the connections a
    // Cluster topology refresh opens and closes each period end without one, and are no failure.
    private static Disposable watchDisconnects(ReactiveRedisConnectionFactory connectionFactory,
            RedisAvailability availability) {
        // A factory not started yet has no client to watch: failed calls are then the only evidence.
        if (connectionFactory instanceof LettuceConnectionFactory lettuce && lettuce.isRunning()
                && lettuce.getNativeClient() != null) {
            return lettuce.getNativeClient().getResources().eventBus().get()
                .filter(ReconnectAttemptEvent.class::isInstance)
                .subscribe(event -> availability.failed());
        }
        return () -> { };
    }

    @Override
    public Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease) {
        return begin(key, claim, lease, 0);
    }

    private Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease, int maxInFlight) {
        byte[] record = encode(key, claim);
        byte[] leaseMillis = millis(lease);
        byte[] keptMillis = millis(lease.plus(OUTAGE_BRIDGE));
        Mono<byte[]> reply = (maxInFlight == 0)
                ? run(BEGIN, keys(key, false), record, leaseMillis, answeringMillis(), keptMillis)
                : run(BEGIN, keys(key, true), record, leaseMillis, answeringMillis(), keptMillis, decimal(maxInFlight),
                        decimal(claim.fencingToken()));
        return reply
            // A record is never empty: an empty reply is the count's refusal. (Counting runs only
            // through Lettuce's byte-array codec, which keeps "" apart from nil.)
            .<BeginResult>map(existing -> existing.length == 0 ? new BeginResult.OverInFlightLimit()
                    : new BeginResult.Existing(decode(key, existing)))
            .defaultIfEmpty(new BeginResult.Claimed(claim.fencingToken()));
    }

    @Override
    public Mono<Boolean> complete(ScopedKey key, IdempotencyRecord completed, Duration ttl) {
        return complete(key, completed, ttl, false);
    }

    private Mono<Boolean> complete(ScopedKey key, IdempotencyRecord completed, Duration ttl, boolean counted) {
        byte[] token = RecordCodec.tokenBytes(completed.fencingToken());
        byte[][] args = counted
                ? new byte[][] { token, encode(key, completed), millis(ttl), channel(), decimal(completed.fencingToken()) }
                : new byte[][] { token, encode(key, completed), millis(ttl), channel() };
        Mono<Long> reply = (this.replicaAcknowledged != null)
                ? this.replicaAcknowledged.run(COMPLETE.redisScript(), keys(key, counted), args)
                    .doOnSuccess(stored -> this.availability.answered())
                    .doOnError(ex -> this.availability.failed())
                    .onErrorMap(ex -> new StoreUnavailableException(
                            "Redis did not run the complete script or WAIT: " + ex.getMessage(), ex))
                : run(COMPLETE, keys(key, counted), args);
        return reply.map(stored -> stored == 1L);
    }

    @Override
    public Mono<Void> release(ScopedKey key, long fencingToken) {
        return release(key, fencingToken, false);
    }

    private Mono<Void> release(ScopedKey key, long fencingToken, boolean counted) {
        byte[] token = RecordCodec.tokenBytes(fencingToken);
        Mono<Long> reply = counted ? run(RELEASE, keys(key, true), token, channel(), decimal(fencingToken))
                : run(RELEASE, keys(key, false), token, channel());
        return reply.then();
    }

    /**
     * Counts claims among their client's keys in flight in the claim's own scripts, when every key
     * a script names may live on one server: not on Redis Cluster, whose slots keep the count apart
     * from the record, nor once Redis refused a script for that ({@code CROSSSLOT}: a proxy that
     * shards behind one address).
     */
    @Override
    public Optional<IdempotencyStore> countingInFlight(int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, not " + maxInFlight);
        }
        return this.countsInClaims ? Optional.of(new CountingInFlight(maxInFlight)) : Optional.empty();
    }

    @Override
    public Mono<Void> awaitSettlement(ScopedKey key, Duration maxWait) {
        return this.settlements.await(redisKey(key), maxWait);
    }

    /** Stops listening for settlements; the connection factory stays open. */
    @Override
    public void close() {
        this.disconnects.dispose();
        this.settlements.close();
        if (this.scriptCalls != null) {
            this.scriptCalls.close();
        }
        if (this.replicaAcknowledged != null) {
            this.replicaAcknowledged.close();
        }
    }

    // Lettuce copies the argument into its command buffer and never writes to it: one array serves every call.
    private byte[] channel() {
        return this.channel;
    }

    @Override
    public Mono<Boolean> renew(ScopedKey key, long fencingToken, Duration lease) {
        return renew(key, fencingToken, lease, false);
    }

    private Mono<Boolean> renew(ScopedKey key, long fencingToken, Duration lease, boolean counted) {
        byte[] token = RecordCodec.tokenBytes(fencingToken);
        byte[] kept = millis(lease.plus(OUTAGE_BRIDGE));
        Mono<Long> reply = counted ? run(RENEW, keys(key, true), token, millis(lease), kept, decimal(fencingToken))
                : run(RENEW, keys(key, false), token, millis(lease), kept);
        return reply.map(renewed -> renewed == 1L);
    }

    @Override
    public Mono<InspectedRecord> inspect(ScopedKey key) {
        return run(INSPECT, keys(key, false), answeringMillis()).flatMap(reply -> {
            if (reply.size() < 2 || !(reply.get(0) instanceof byte[] value)) {
                return Mono.empty();
            }
            long millis = ((Number) reply.get(1)).longValue();
            return Mono.just(new InspectedRecord(decode(key, value), Duration.ofMillis(Math.max(0, millis))));
        });
    }

    @Override
    public Mono<Boolean> purge(ScopedKey key) {
        return this.redis.delete(redisKey(key))
            .flatMap(deleted -> this.redis.delete(leaseKey(redisKey(key))).thenReturn(deleted > 0))
            .onErrorMap(ex -> new StoreUnavailableException("Redis did not delete a record: " + ex.getMessage(), ex));
    }

    /** The Redis key of a record; public for operators' tools and tests. */
    public String redisKey(ScopedKey key) {
        return this.keyPrefix + this.storageIds.of(key);
    }

    /**
     * Where the lease of the claim under {@code redisKey} is kept: a key in the same Cluster slot,
     * so one script may touch both. A record key with a hash tag shares it; one without is the tag.
     * Either way the lease key starts with the record key, so the documented ACL pattern on the
     * key prefix ({@code ~idem:*}) covers it.
     */
    public static String leaseKey(String redisKey) {
        int open = redisKey.indexOf('{');
        if (open >= 0) {
            int close = redisKey.indexOf('}', open + 1);
            if (close > open + 1) {
                return redisKey + ":lease";
            }
        }
        if (redisKey.indexOf('}') >= 0) {
            throw new IllegalArgumentException("A Redis key prefix with '{' or '}' must hold a whole hash tag: " + redisKey);
        }
        return redisKey + ":lease{" + redisKey + "}";
    }

    // With counted, the client's count of keys in flight too: not in the record's slot (see countingInFlight).
    private List<String> keys(ScopedKey key, boolean counted) {
        String redisKey = redisKey(key);
        return counted
                ? List.of(redisKey, leaseKey(redisKey), inFlightKey(key))
                : List.of(redisKey, leaseKey(redisKey));
    }

    private String inFlightKey(ScopedKey key) {
        return RedisInFlightKeys.redisKey(this.keyPrefix, this.storageIds, key.clientScope());
    }

    private byte[] answeringMillis() {
        return Long.toString(this.availability.answeringMillis()).getBytes(StandardCharsets.US_ASCII);
    }

    // Sealed records are bound to their Redis key: one copied under another client's key fails to open.
    private byte[] encode(ScopedKey key, IdempotencyRecord record) {
        byte[] plain = RecordCodec.encode(record);
        return this.encryption == null ? plain : this.encryption.seal(plain, recordName(key));
    }

    private IdempotencyRecord decode(ScopedKey key, byte[] stored) {
        if (this.encryption == null && RecordEncryption.isSealed(stored)) {
            throw new IllegalStateException("Found an encrypted record but idempotency.encryption has no keys");
        }
        return RecordCodec.decode(this.encryption == null ? stored : this.encryption.open(stored, recordName(key)));
    }

    private byte[] recordName(ScopedKey key) {
        return redisKey(key).getBytes(StandardCharsets.UTF_8);
    }

    private <T> Mono<T> run(Script<T> script, List<String> keys, byte[]... args) {
        Mono<T> results = (this.scriptCalls != null && script.outputType() != null)
                ? this.scriptCalls.run(script.redisScript(), script.outputType(), keys, args)
                : this.redis.execute(script.redisScript(), keys, List.of(args)).next();
        return results
            .doOnSuccess(result -> this.availability.answered())
            .doOnError(ex -> {
                this.availability.failed();
                if (keys.size() > 2 && isCrossSlot(ex)) {
                    countSeparately(ex);
                }
            })
            .onErrorMap(ex -> new StoreUnavailableException(
                    "Redis did not run the " + script.name() + " script: " + ex.getMessage(), ex));
    }

    // Redis refuses a script whose keys are in different slots with this error before running any of it.
    private static boolean isCrossSlot(Throwable ex) {
        return ex instanceof RedisCommandExecutionException && ex.getMessage() != null
                && ex.getMessage().startsWith("CROSSSLOT");
    }

    private void countSeparately(Throwable cause) {
        if (this.countsInClaims) {
            this.countsInClaims = false;
            logger.error("Redis keeps the records and the counts of keys in flight in different slots ("
                    + cause.getMessage() + "): that request was answered as if the store were unreachable, and this"
                    + " gateway counts maxInFlightPerClient with calls of their own from now on");
        }
    }

    private static byte[] decimal(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] millis(Duration duration) {
        return Long.toString(Math.max(1, duration.toMillis())).getBytes(StandardCharsets.US_ASCII);
    }

    /** This store with each claim counted among its client's keys in flight, in the claim's own scripts. */
    private final class CountingInFlight implements IdempotencyStore {

        private final int maxInFlight;

        CountingInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        @Override
        public Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease) {
            return RedisIdempotencyStore.this.begin(key, claim, lease, this.maxInFlight);
        }

        @Override
        public Mono<Boolean> complete(ScopedKey key, IdempotencyRecord completed, Duration ttl) {
            return RedisIdempotencyStore.this.complete(key, completed, ttl, true);
        }

        @Override
        public Mono<Void> release(ScopedKey key, long fencingToken) {
            return RedisIdempotencyStore.this.release(key, fencingToken, true);
        }

        @Override
        public Mono<Boolean> renew(ScopedKey key, long fencingToken, Duration lease) {
            return RedisIdempotencyStore.this.renew(key, fencingToken, lease, true);
        }

        @Override
        public Mono<Void> awaitSettlement(ScopedKey key, Duration maxWait) {
            return RedisIdempotencyStore.this.awaitSettlement(key, maxWait);
        }

        @Override
        public Mono<InspectedRecord> inspect(ScopedKey key) {
            return RedisIdempotencyStore.this.inspect(key);
        }

        @Override
        public Mono<Boolean> purge(ScopedKey key) {
            return RedisIdempotencyStore.this.purge(key);
        }

        @Override
        public Optional<IdempotencyStore> countingInFlight(int maxInFlight) {
            return RedisIdempotencyStore.this.countingInFlight(maxInFlight);
        }

        @Override
        public String toString() {
            return RedisIdempotencyStore.this + " counting " + this.maxInFlight + " keys in flight per client";
        }
    }

    /** A Lua script kept beside this class as {@code <name>.lua}. */
    private record Script<T>(String name, RedisScript<T> redisScript, ScriptOutputType outputType) {

        Script(String name, Class<T> resultType, ScriptOutputType outputType) {
            this(name, RedisStoreSupport.script(name, resultType), outputType);
        }
    }
}
