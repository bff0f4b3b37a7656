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
 * over its SHA-1 for {@code EVALSHA}.
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
            return RedisScript.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), resultType);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read the Redis script " + name + ".lua", ex);
        }
    }
}
