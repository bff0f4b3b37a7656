package dev.idempotency.gateway.store.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Calls the store's scripts straight through Lettuce: {@code EVALSHA} with the script's SHA-1,
 * computed once, on one connection of the store's own with raw byte keys and arguments, and
 * {@code EVAL} once when Redis answers {@code NOSCRIPT} (after a restart or a failover). Spring's
 * template would take a connection handle, serialize the arguments into new buffers and convert the
 * reply through several operators on every call; per request that was measurable (bench/README.md).
 *
 * <p>The connection comes from the Lettuce client Spring Boot built from {@code spring.data.redis.*}
 * (so TLS, credentials and Cluster routing are the same); it is opened on first use, off the event
 * loop, and again after a failure to open it. Lettuce reconnects an opened connection by itself.
 * The store and the in-flight count of one connection factory share it (one connection, not two),
 * and the count's one plain command, {@code ZREM}, goes out on it too.
 */
final class ScriptCalls implements AutoCloseable {

    // Per connection factory; closed when its last user closes it.
    private static final Map<LettuceConnectionFactory, ScriptCalls> SHARED = new IdentityHashMap<>();

    private final LettuceConnectionFactory factory;

    private final Mono<RedisClusterReactiveCommands<byte[], byte[]>> commands;

    private volatile StatefulConnection<byte[], byte[]> opened;

    private int users;

    private ScriptCalls(LettuceConnectionFactory factory) {
        this.factory = factory;
        this.commands = Mono.fromCallable(this::connect).subscribeOn(Schedulers.boundedElastic()).cache(
                connected -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
    }

    /**
     * Direct calls through {@code factory}'s Lettuce client, or {@code null} when it is not Lettuce's;
     * each caller closes what it got.
     */
    static ScriptCalls of(Object factory) {
        if (!(factory instanceof LettuceConnectionFactory lettuce)) {
            return null;
        }
        synchronized (SHARED) {
            ScriptCalls calls = SHARED.computeIfAbsent(lettuce, ScriptCalls::new);
            calls.users++;
            return calls;
        }
    }

    /** Runs {@code script} on {@code keys} (one slot); emits its reply, or nothing when it returned nil. */
    <T> Mono<T> run(RedisScript<?> script, ScriptOutputType type, List<String> keys, byte[]... args) {
        byte[][] rawKeys = new byte[keys.size()][];
        for (int i = 0; i < rawKeys.length; i++) {
            rawKeys[i] = keys.get(i).getBytes(StandardCharsets.UTF_8);
        }
        return run(script, type, rawKeys, args);
    }

    /** Runs {@code script} on {@code key}; emits its reply, or nothing when it returned nil. */
    <T> Mono<T> run(RedisScript<?> script, ScriptOutputType type, byte[] key, byte[]... args) {
        byte[][] keys = { key };
        return run(script, type, keys, args);
    }

    private <T> Mono<T> run(RedisScript<?> script, ScriptOutputType type, byte[][] keys, byte[]... args) {
        return this.commands.flatMap(redis -> redis.<T>evalsha(script.getSha1(), type, keys, args)
            .next()
            .onErrorResume(RedisNoScriptException.class,
                    missing -> redis.<T>eval(script.getScriptAsString(), type, keys, args).next()));
    }

    /** Removes {@code member} from the sorted set {@code key}; emits how many were removed. */
    Mono<Long> zrem(byte[] key, byte[] member) {
        return this.commands.flatMap(redis -> redis.zrem(key, member));
    }

    private RedisClusterReactiveCommands<byte[], byte[]> connect() {
        // The factory's client exists once the factory started, which is before any request.
        AbstractRedisClient client = this.factory.getRequiredNativeClient();
        if (client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<byte[], byte[]> connection = cluster.connect(ByteArrayCodec.INSTANCE);
            this.opened = connection;
            return connection.reactive();
        }
        StatefulRedisConnection<byte[], byte[]> connection = ((RedisClient) client).connect(ByteArrayCodec.INSTANCE);
        // Spring selects the database per connection rather than in the client's URI; do the same.
        int database = this.factory.getDatabase();
        if (database > 0) {
            connection.sync().select(database);
        }
        this.opened = connection;
        return connection.reactive();
    }

    @Override
    public void close() {
        synchronized (SHARED) {
            // Closed already (a second close must not close another user's), or still in use.
            if (this.users == 0 || --this.users > 0) {
                return;
            }
            SHARED.remove(this.factory, this);
        }
        StatefulConnection<byte[], byte[]> connection = this.opened;
        if (connection != null && connection.isOpen()) {
            connection.close();
        }
    }
}
