package dev.idempotency.gateway.store.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.ScriptOutputType;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
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
 * operation is one Lua script on one key: one round trip, atomic, and valid on Redis Cluster.
 * Scripts run by {@code EVALSHA}, falling back to {@code EVAL} once after a Redis restart.
 */
public class RedisIdempotencyStore implements IdempotencyStore, AutoCloseable {

    private static final Script<byte[]> BEGIN = new Script<>("begin", byte[].class, ScriptOutputType.VALUE);

    private static final Script<Long> COMPLETE = new Script<>("complete", Long.class, ScriptOutputType.INTEGER);

    private static final Script<Long> RELEASE = new Script<>("release", Long.class, ScriptOutputType.INTEGER);

    private static final Script<Long> RENEW = new Script<>("renew", Long.class, ScriptOutputType.INTEGER);

    // Read by operators only: it stays on the template, which gives its multi-bulk reply as one list.
    @SuppressWarnings("rawtypes")
    private static final Script<List> INSPECT = new Script<>("inspect", List.class, null);

    private final ReactiveRedisTemplate<String, byte[]> redis;

    private final String keyPrefix;

    private final RedisSettlementSubscriber settlements;

    private final StorageIds storageIds;

    private final RecordEncryption encryption;

    private final ReplicaAcknowledgedCompletions replicaAcknowledged;

    private final byte[] channel;

    private final ScriptCalls scriptCalls;

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
        this.settlements = new RedisSettlementSubscriber(connectionFactory, keyPrefix + "settled");
        this.storageIds = storageIds;
        this.encryption = encryption;
        this.replicaAcknowledged = replicaAcknowledged;
        this.channel = this.settlements.channel().getBytes(StandardCharsets.UTF_8);
        this.scriptCalls = ScriptCalls.of(connectionFactory);
    }

    @Override
    public Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease) {
        return run(BEGIN, key, encode(key, claim), millis(lease))
            .<BeginResult>map(existing -> new BeginResult.Existing(decode(key, existing)))
            .defaultIfEmpty(new BeginResult.Claimed(claim.fencingToken()));
    }

    @Override
    public Mono<Boolean> complete(ScopedKey key, IdempotencyRecord completed, Duration ttl) {
        byte[][] args = { RecordCodec.tokenBytes(completed.fencingToken()), encode(key, completed), millis(ttl), channel() };
        Mono<Long> reply = (this.replicaAcknowledged != null)
                ? this.replicaAcknowledged.run(COMPLETE.redisScript(), redisKey(key), args)
                    .onErrorMap(ex -> new StoreUnavailableException(
                            "Redis did not run the complete script or WAIT: " + ex.getMessage(), ex))
                : run(COMPLETE, key, args);
        return reply.map(stored -> stored == 1L);
    }

    @Override
    public Mono<Void> release(ScopedKey key, long fencingToken) {
        return run(RELEASE, key, RecordCodec.tokenBytes(fencingToken), channel()).then();
    }

    @Override
    public Mono<Void> awaitSettlement(ScopedKey key, Duration maxWait) {
        return this.settlements.await(redisKey(key), maxWait);
    }

    /** Stops listening for settlements; the connection factory stays open. */
    @Override
    public void close() {
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
        return run(RENEW, key, RecordCodec.tokenBytes(fencingToken), millis(lease)).map(renewed -> renewed == 1L);
    }

    @Override
    public Mono<InspectedRecord> inspect(ScopedKey key) {
        return run(INSPECT, key).flatMap(reply -> {
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
            .map(deleted -> deleted > 0)
            .onErrorMap(ex -> new StoreUnavailableException("Redis did not delete a record: " + ex.getMessage(), ex));
    }

    /** The Redis key of a record; public for operators' tools and tests. */
    public String redisKey(ScopedKey key) {
        return this.keyPrefix + this.storageIds.of(key);
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

    private <T> Mono<T> run(Script<T> script, ScopedKey key, byte[]... args) {
        Mono<T> results = (this.scriptCalls != null && script.outputType() != null)
                ? this.scriptCalls.run(script.redisScript(), script.outputType(), redisKey(key).getBytes(StandardCharsets.UTF_8), args)
                : this.redis.execute(script.redisScript(), List.of(redisKey(key)), List.of(args)).next();
        return results
            .onErrorMap(ex -> new StoreUnavailableException(
                    "Redis did not run the " + script.name() + " script: " + ex.getMessage(), ex));
    }

    private static byte[] millis(Duration duration) {
        return Long.toString(Math.max(1, duration.toMillis())).getBytes(StandardCharsets.US_ASCII);
    }

    /** A Lua script kept beside this class as {@code <name>.lua}. */
    private record Script<T>(String name, RedisScript<T> redisScript, ScriptOutputType outputType) {

        Script(String name, Class<T> resultType, ScriptOutputType outputType) {
            this(name, RedisStoreSupport.script(name, resultType), outputType);
        }
    }
}
