package dev.idempotency.gateway.store.redis;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.data.redis.core.script.RedisScript;

import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store's scripts carry the SHA-1 that Redis itself gives them, so {@code EVALSHA} finds a
 * loaded script instead of falling back to sending it whole ({@code EVAL}) on every call, which
 * would still work and so hide a wrong digest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisStoreSupportTests {

    private RedisServer redis;

    @BeforeAll
    void start() {
        this.redis = RedisServer.launch();
    }

    @AfterAll
    void stop() {
        this.redis.close();
    }

    @ParameterizedTest
    @ValueSource(strings = { "begin", "complete", "in-flight-hold", "inspect", "release", "renew" })
    void aScriptsDigestIsTheOneRedisGivesIt(String name) {
        RedisScript<Long> script = RedisStoreSupport.script(name, Long.class);
        // A bulk string reply: "$40", then the digest.
        String loaded = this.redis.command("SCRIPT", "LOAD", script.getScriptAsString()).split("\r\n")[1];
        assertThat(script.getSha1()).isEqualTo(loaded);
        assertThat(script.getResultType()).isEqualTo(Long.class);
    }
}
