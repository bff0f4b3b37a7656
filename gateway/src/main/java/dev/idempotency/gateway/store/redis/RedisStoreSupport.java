package dev.idempotency.gateway.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * What the Redis store classes share: their Lua scripts, read once, and a template for their
 * string keys and binary values. A script made from the resource itself would ask the resource
 * whether it changed on every call (opening a connection into the jar each time) before it hands
 * over its SHA-1 for {@code EVALSHA}; one made from the text still takes a lock on every call to
 * hand it over, on the event loop of each store call (BlockHound saw threads park there), so each
 * script's SHA-1 is taken once, when it is read.
 */
final class RedisStoreSupport {

    private RedisStoreSupport() {
    }

    /** String keys, binary values: records and script arguments go to Redis as raw bytes. */
    static ReactiveRedisTemplate<String, byte[]> template(ReactiveRedisConnectionFactory connectionFactory) {
        RedisSerializationContext<String, byte[]> context = RedisSerializationContext
            .<String, byte[]>newSerializationContext(RedisSerializer.string())
            .value(RedisSerializer.byteArray())
            .build();
        return new ReactiveRedisTemplate<>(connectionFactory, context);
    }

    /** The script in {@code <name>.lua}. */
    static <T> RedisScript<T> script(String name, Class<T> resultType) {
        try (InputStream in = new ClassPathResource(name + ".lua", RedisStoreSupport.class).getInputStream()) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new LoadedScript<>(text, RedisScript.of(text).getSha1(), resultType);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read the Redis script " + name + ".lua", ex);
        }
    }

    /** A script and its SHA-1, both fixed: {@link #getSha1()} takes no lock. */
    private record LoadedScript<T>(String text, String sha1, Class<T> resultType) implements RedisScript<T> {

        @Override
        public String getSha1() {
            return this.sha1;
        }

        @Override
        public Class<T> getResultType() {
            return this.resultType;
        }

        @Override
        public String getScriptAsString() {
            return this.text;
        }
    }
}
