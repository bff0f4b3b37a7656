package dev.idempotency.gateway.store.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.ScriptOutputType;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.ClientScope;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.StorageIds;
import dev.idempotency.gateway.core.StoreUnavailableException;

/**
 * Counts a client's keys in flight in one Redis sorted set per (route, client), named
 * {@code <prefix>inflight:<id>} with the same keyed digest as the records, so a dump shows no
 * client id. On one Redis server (standalone or Sentinel) the store's own scripts keep the count as
 * they claim, free and renew keys ({@link RedisIdempotencyStore#countingInFlight}); this class
 * serves Redis Cluster, where a record lives in a slot of its own and the count cannot join its
 * scripts: holding is one more script on one key, freeing one {@code ZREM}, each a round trip.
 */
public class RedisInFlightKeys implements InFlightKeys, AutoCloseable {

    private static final RedisScript<Long> HOLD = RedisStoreSupport.script("in-flight-hold", Long.class);

    private final ReactiveRedisTemplate<String, byte[]> redis;

    private final String keyPrefix;

    private final StorageIds storageIds;

    private final ScriptCalls scriptCalls;

    public RedisInFlightKeys(ReactiveRedisConnectionFactory connectionFactory, String keyPrefix, StorageIds storageIds) {
        this.redis = RedisStoreSupport.template(connectionFactory);
        this.keyPrefix = keyPrefix;
        this.storageIds = storageIds;
        this.scriptCalls = ScriptCalls.of(connectionFactory);
    }

    @Override
    public Mono<Boolean> hold(ClientScope client, long fencingToken, int max, Duration lease) {
        byte[][] args = { ascii(fencingToken), ascii(Math.max(1, lease.toMillis())), ascii(max) };
        Mono<Long> reply = (this.scriptCalls != null)
                ? this.scriptCalls.<Long>run(HOLD, ScriptOutputType.INTEGER, redisKey(client).getBytes(StandardCharsets.UTF_8), args)
                : this.redis.execute(HOLD, List.of(redisKey(client)), List.of(args)).next();
        return reply
            .map(held -> held == 1L)
            .onErrorMap(ex -> new StoreUnavailableException("Redis did not count keys in flight: " + ex.getMessage(), ex));
    }

    @Override
    public Mono<Void> free(ClientScope client, long fencingToken) {
        Mono<Long> removed = (this.scriptCalls != null)
                ? this.scriptCalls.zrem(redisKey(client).getBytes(StandardCharsets.UTF_8), ascii(fencingToken))
                : this.redis.opsForZSet().remove(redisKey(client), (Object) ascii(fencingToken));
        return removed
            .onErrorMap(ex -> new StoreUnavailableException("Redis did not free a key in flight: " + ex.getMessage(), ex))
            .then();
    }

    /** Closes the direct connection, once the store sharing it has closed it too; the connection factory stays open. */
    @Override
    public void close() {
        if (this.scriptCalls != null) {
            this.scriptCalls.close();
        }
    }

    /** The Redis key of a client's count; public for operators' tools and tests. */
    public String redisKey(ClientScope client) {
        return redisKey(this.keyPrefix, this.storageIds, client);
    }

    /** The same, for the store's scripts, which count claims themselves where they can. */
    static String redisKey(String keyPrefix, StorageIds storageIds, ClientScope client) {
        return keyPrefix + "inflight:" + storageIds.of(client);
    }

    private static byte[] ascii(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
