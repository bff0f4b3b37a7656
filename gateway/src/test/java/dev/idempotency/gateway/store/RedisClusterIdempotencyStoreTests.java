package dev.idempotency.gateway.store;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.store.IdempotencyStoreContract;
import dev.idempotency.gateway.store.redis.RedisIdempotencyStore;
import dev.idempotency.gateway.testsupport.RedisClusterServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract on a real three-master Redis Cluster: every script touches one key, so each
 * runs on whichever master owns the record's slot. (In this package because the contract is
 * package-private; the cluster fixture is {@link RedisClusterServer}.)
 */
class RedisClusterIdempotencyStoreTests extends IdempotencyStoreContract {

    private static RedisClusterServer cluster;

    private static LettuceConnectionFactory connectionFactory;

    private static RedisIdempotencyStore store;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterServer.launch();
        connectionFactory = new LettuceConnectionFactory(new RedisClusterConfiguration(cluster.nodeAddressList()),
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(3)).build());
        connectionFactory.afterPropertiesSet();
        connectionFactory.start();
        store = new RedisIdempotencyStore(connectionFactory, "idem:");
    }

    @AfterAll
    static void stopCluster() {
        if (connectionFactory != null) {
            connectionFactory.destroy();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected IdempotencyStore store() {
        return store;
    }

    /** A client's count of keys in flight lives in another slot than its records: counted by a call of its own. */
    @Test
    void claimsDoNotCountKeysInFlightOnCluster() {
        assertThat(store.countingInFlight(3)).isEmpty();
    }

    @Test
    void recordsAreSpreadOverTheMasters() {
        for (int i = 0; i < 60; i++) {
            ScopedKey key = new ScopedKey("spread", "client-" + i, IdempotencyKey.of("k-" + UUID.randomUUID()));
            IdempotencyRecord owner = claim();
            begin(key, owner, LONG);
            assertThat(complete(key, owner, LONG)).isTrue();
            assertThat(store.inspect(key).block().record().state()).isEqualTo(IdempotencyRecord.State.COMPLETED);
        }
        Map<String, Integer> perNode = cluster.keysPerNode("idem:*");
        assertThat(perNode.values().stream().filter(count -> count > 0).count()).as("masters holding records: " + perNode)
            .isGreaterThanOrEqualTo(2);
        assertThat(perNode.values().stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(60);
    }
}
