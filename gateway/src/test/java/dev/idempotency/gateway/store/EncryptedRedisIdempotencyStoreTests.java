package dev.idempotency.gateway.store;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.RecordEncryption;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StorageIds;
import dev.idempotency.gateway.core.UnreadableRecordException;
import dev.idempotency.gateway.core.store.IdempotencyStoreContract;
import dev.idempotency.gateway.store.redis.RedisIdempotencyStore;
import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store contract with sealed records and keyed names, plus what a Redis dump reveals. */
class EncryptedRedisIdempotencyStoreTests extends IdempotencyStoreContract {

    private static final byte[] SECRET = "a-key-hash-secret-from-a-k8s-secret".getBytes(StandardCharsets.UTF_8);

    private static final byte[] K1 = key(1);

    private static final byte[] K2 = key(2);

    private static RedisServer redis;

    private static LettuceConnectionFactory connectionFactory;

    private static RedisIdempotencyStore store;

    private static byte[] key(int value) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.launch();
        connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(3)).build());
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        store = sealingStore(RecordEncryption.of(Map.of("k1", K1), "k1"));
    }

    private static RedisIdempotencyStore sealingStore(RecordEncryption encryption) {
        return new RedisIdempotencyStore(connectionFactory, "idem:", StorageIds.hmacSha256(SECRET), encryption);
    }

    @AfterAll
    static void stopRedis() {
        store.close();
        connectionFactory.destroy();
        redis.close();
    }

    @Override
    protected IdempotencyStore store() {
        return store;
    }

    @Test
    void aRedisDumpShowsNeitherBodiesNorClientIdsNorKeys() {
        String rawKey = "order-" + UUID.randomUUID();
        ScopedKey key = new ScopedKey("orders", "client-secret-id", IdempotencyKey.of(rawKey));
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        complete(key, owner, LONG);

        String redisKey = store.redisKey(key);
        assertThat(redisKey).isNotEqualTo("idem:" + key.storageId()).doesNotContain(rawKey).doesNotContain("client-secret-id");
        String dump = redis.command("GET", redisKey);
        assertThat(dump).doesNotContain("orderId").doesNotContain("application/json").doesNotContain(rawKey);
        assertThat(redis.command("KEYS", "*")).doesNotContain(rawKey).doesNotContain("client-secret-id");
    }

    @Test
    void rotatingTheActiveKeyKeepsStoredResultsReplayable() {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        complete(key, owner, LONG);

        RedisIdempotencyStore rotated = sealingStore(RecordEncryption.of(Map.of("k1", K1, "k2", K2), "k2"));
        IdempotencyRecord replayed = ((BeginResult.Existing) rotated.begin(key, claim(), LONG).block()).record();
        assertThat(replayed.response().body()).isEqualTo(RESPONSE.body());

        ScopedKey newer = newKey();
        IdempotencyRecord next = claim();
        rotated.begin(newer, next, LONG).block();
        rotated.complete(newer, next.complete(RESPONSE), LONG).block();
        assertThat(redis.command("GET", rotated.redisKey(newer))).contains("k2");
        rotated.close();
    }

    @Test
    void aRecordCopiedUnderAnotherClientsKeyIsRefusedNotReplayed() {
        IdempotencyKey same = IdempotencyKey.of("k-" + UUID.randomUUID());
        ScopedKey victim = new ScopedKey("orders", "client-a", same);
        ScopedKey thief = new ScopedKey("orders", "client-b", same);
        IdempotencyRecord owner = claim();
        begin(victim, owner, LONG);
        complete(victim, owner, LONG);
        redis.command("EVAL", "return redis.call('SET', KEYS[2], redis.call('GET', KEYS[1]))", "2", store.redisKey(victim),
                store.redisKey(thief));

        assertThatThrownBy(() -> begin(thief, claim(), LONG)).isInstanceOf(UnreadableRecordException.class)
            .hasMessageContaining("moved from another record name");
        assertThatThrownBy(() -> store.inspect(thief).block()).isInstanceOf(UnreadableRecordException.class);
        assertThat(((BeginResult.Existing) begin(victim, claim(), LONG)).record().response().body()).isEqualTo(RESPONSE.body());
    }

    @Test
    void aTruncatedOrAlteredRecordIsRefusedWithAClearError() {
        ScopedKey truncated = completedKey();
        redis.command("EVAL", "return redis.call('SET', KEYS[1], string.sub(redis.call('GET', KEYS[1]), 1, -2))", "1",
                store.redisKey(truncated));
        assertThatThrownBy(() -> begin(truncated, claim(), LONG)).isInstanceOf(UnreadableRecordException.class)
            .hasMessageContaining("failed authentication");

        ScopedKey altered = completedKey();
        redis.command("EVAL", "local v = redis.call('GET', KEYS[1]); local i = #v - 20; "
                + "return redis.call('SET', KEYS[1], string.sub(v, 1, i - 1) .. string.char((string.byte(v, i) + 1) % 256) "
                + ".. string.sub(v, i + 1))", "1", store.redisKey(altered));
        assertThatThrownBy(() -> begin(altered, claim(), LONG)).isInstanceOf(UnreadableRecordException.class)
            .hasMessageContaining("failed authentication");
    }

    private ScopedKey completedKey() {
        ScopedKey key = newKey();
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        complete(key, owner, LONG);
        return key;
    }
}
