package dev.idempotency.gateway.store;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.core.ClientScope;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.StorageIds;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.core.store.InFlightKeysContract;
import dev.idempotency.gateway.store.redis.RedisInFlightKeys;
import dev.idempotency.gateway.testsupport.FreePorts;
import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisInFlightKeysTests extends InFlightKeysContract {

    private static RedisServer redis;

    private static LettuceConnectionFactory connectionFactory;

    private static RedisInFlightKeys inFlightKeys;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.launch();
        connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(3)).build());
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        inFlightKeys = new RedisInFlightKeys(connectionFactory, "idem:",
                StorageIds.hmacSha256("a-secret-of-at-least-16-bytes".getBytes(StandardCharsets.UTF_8)));
    }

    @AfterAll
    static void stopRedis() {
        connectionFactory.destroy();
        redis.close();
    }

    @Override
    protected InFlightKeys inFlightKeys() {
        return inFlightKeys;
    }

    @Test
    void theCountIsOneSortedSetNamedWithoutTheClientIdThatExpiresWithItsLongestLease() {
        ClientScope client = newClient();
        hold(client, 1, 5, Duration.ofSeconds(20));
        hold(client, 2, 5, Duration.ofSeconds(40));
        String key = inFlightKeys.redisKey(client);
        assertThat(key).startsWith("idem:inflight:").doesNotContain(client.clientId());
        assertThat(redis.command("TYPE", key)).isEqualTo("+zset\r\n");
        assertThat(redis.command("ZCARD", key)).isEqualTo(":2\r\n");
        long ttl = Long.parseLong(redis.command("PTTL", key).substring(1).trim());
        assertThat(ttl).isBetween(35_000L, 40_000L);
        free(client, 1);
        free(client, 2);
        assertThat(redis.command("EXISTS", key)).isEqualTo(":0\r\n");
    }

    @Test
    void unreachableRedisFailsFastWithStoreUnavailable() {
        LettuceConnectionFactory nowhere = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", FreePorts.next()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
        nowhere.afterPropertiesSet();
        nowhere.start();
        try {
            RedisInFlightKeys unreachable = new RedisInFlightKeys(nowhere, "idem:", StorageIds.sha256());
            assertThatThrownBy(() -> unreachable.hold(newClient(), 1, 1, LONG).block())
                .isInstanceOf(StoreUnavailableException.class);
        }
        finally {
            nowhere.destroy();
        }
    }
}
