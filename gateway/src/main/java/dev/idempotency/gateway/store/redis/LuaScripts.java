package dev.idempotency.gateway.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts kept beside the Redis store classes, read once. A script made from the resource
 * itself would ask the resource whether it changed on every call (opening a connection into the
 * jar each time) before it hands over its SHA-1 for {@code EVALSHA}.
 */
final class LuaScripts {

    private LuaScripts() {
    }

    /** The script in {@code <name>.lua}. */
    static <T> RedisScript<T> load(String name, Class<T> resultType) {
        try (InputStream in = new ClassPathResource(name + ".lua", LuaScripts.class).getInputStream()) {
            return RedisScript.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), resultType);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read the Redis script " + name + ".lua", ex);
        }
    }
}
