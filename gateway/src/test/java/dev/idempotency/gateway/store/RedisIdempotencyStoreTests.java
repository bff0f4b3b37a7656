package dev.idempotency.gateway.store;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.core.store.IdempotencyStoreContract;
import dev.idempotency.gateway.store.redis.RedisIdempotencyStore;
import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisIdempotencyStoreTests extends IdempotencyStoreContract {

    private static RedisServer redis;

    private static LettuceConnectionFactory connectionFactory;

    private static RedisIdempotencyStore store;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.launch();
        // Generous: a loaded 2-core CI machine can take over a second for the first handshake.
        connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(3)).build());
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        store = new RedisIdempotencyStore(connectionFactory, "idem:");
    }

    @AfterAll
    static void stopRedis() {
        connectionFactory.destroy();
        redis.close();
    }

    @Override
    protected IdempotencyStore store() {
        return store;
    }

    @Test
    void oneRedisKeyPerRecordNamedByADigestOnly() {
        redis.command("FLUSHALL");
        String rawKey = "order-" + UUID.randomUUID();
        ScopedKey key = new ScopedKey("orders", "client-secret-id", IdempotencyKey.of(rawKey));
        IdempotencyRecord owner = claim();
        begin(key, owner, LONG);
        complete(key, owner, LONG);

        String keys = redis.command("KEYS", "*");
        assertThat(redis.command("DBSIZE")).isEqualTo(":1\r\n");
        assertThat(keys).contains(store.redisKey(key)).doesNotContain(rawKey).doesNotContain("client-secret-id");
        assertThat(store.redisKey(key)).matches("idem:[A-Za-z0-9_-]{43}");
        String ttl = redis.command("PTTL", store.redisKey(key));
        assertThat(Long.parseLong(ttl.substring(1).trim())).isBetween(1L, LONG.toMillis());
    }

    /**
     * docs/stores.md: Redis drops a claim and its lease key {@code OUTAGE_BRIDGE} (10 minutes) after
     * the lease at the latest, so no claim outlives a dead gateway by more; a stored result deletes
     * the lease key.
     */
    @Test
    void aClaimAndItsLeaseExpireTenMinutesAfterTheLeaseAndAStoredResultDropsTheLease() {
        redis.command("FLUSHALL");
        ScopedKey key = new ScopedKey("orders", "client-1", IdempotencyKey.of("claim-" + UUID.randomUUID()));
        IdempotencyRecord owner = claim();
        Duration lease = Duration.ofSeconds(30);
        begin(key, owner, lease);

        long bound = lease.plus(RedisIdempotencyStore.OUTAGE_BRIDGE).toMillis();
        for (String name : List.of(store.redisKey(key), RedisIdempotencyStore.leaseKey(store.redisKey(key)))) {
            long millis = Long.parseLong(redis.command("PTTL", name).substring(1).trim());
            assertThat(millis).as("PTTL of " + name).isBetween(bound - 5_000, bound);
        }
        assertThat(RedisIdempotencyStore.OUTAGE_BRIDGE).isEqualTo(Duration.ofMinutes(10));

        complete(key, owner, LONG);
        assertThat(redis.command("EXISTS", RedisIdempotencyStore.leaseKey(store.redisKey(key)))).isEqualTo(":0\r\n");
    }

    @Test
    void unreachableRedisFailsFastWithStoreUnavailable() {
        LettuceConnectionFactory nowhere = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", dev.idempotency.gateway.testsupport.FreePorts.next()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
        nowhere.afterPropertiesSet();
        nowhere.start();
        try {
            RedisIdempotencyStore unreachable = new RedisIdempotencyStore(nowhere, "idem:");
            assertThatThrownBy(() -> unreachable.begin(newKey(), claim(), LONG).block())
                .isInstanceOf(StoreUnavailableException.class);
        }
        finally {
            nowhere.destroy();
        }
    }
}
