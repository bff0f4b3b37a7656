package dev.idempotency.gateway.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.store.redis.RedisIdempotencyStore;
import dev.idempotency.gateway.testsupport.RedisClusterServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lettuce's periodic topology refresh (docs/stores.md recommends one for Cluster) opens and closes
 * connections to every node each period. Closing them is not Redis failing: a dead holder's key
 * must still be free after one lease of Redis answering, not only once Redis drops the claim (the
 * lease plus {@link RedisIdempotencyStore#OUTAGE_BRIDGE}). The Cluster checker run with
 * {@code refresh.period: 5s} held such a key for minutes.
 */
class ClusterTopologyRefreshLeaseTests {

    private static final Duration LEASE = Duration.ofMillis(1000);

    private static RedisClusterServer cluster;

    private static LettuceConnectionFactory deadHolders;

    private static LettuceConnectionFactory refreshing;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterServer.launch();
        deadHolders = factory(null);
        // Far shorter than a real period, so that every gap between the retries below holds refreshes.
        refreshing = factory(Duration.ofMillis(200));
    }

    @AfterAll
    static void stopCluster() {
        for (LettuceConnectionFactory factory : new LettuceConnectionFactory[] { deadHolders, refreshing }) {
            if (factory != null) {
                factory.destroy();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static LettuceConnectionFactory factory(Duration refreshPeriod) {
        ClusterTopologyRefreshOptions.Builder refresh = ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers();
        if (refreshPeriod != null) {
            refresh.enablePeriodicRefresh(refreshPeriod);
        }
        LettuceClientConfiguration client = LettuceClientConfiguration.builder()
            .commandTimeout(Duration.ofSeconds(3))
            .clientOptions(ClusterClientOptions.builder().topologyRefreshOptions(refresh.build()).build())
            .build();
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisClusterConfiguration(cluster.nodeAddressList()), client);
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    @Test
    void aDeadHoldersKeyIsFreeAfterALeaseOfRedisAnsweringDespitePeriodicRefreshes() throws InterruptedException {
        ScopedKey key = new ScopedKey("refresh", "client", IdempotencyKey.of("k-" + UUID.randomUUID()));
        RequestFingerprint fingerprint = RequestFingerprint.builder().part("body", "{}").build();
        try (RedisIdempotencyStore holder = new RedisIdempotencyStore(deadHolders, "idem:");
                RedisIdempotencyStore retrying = new RedisIdempotencyStore(refreshing, "idem:")) {
            IdempotencyRecord claim = IdempotencyRecord.inFlight(1L, fingerprint, Instant.now());
            assertThat(holder.begin(key, claim, LEASE).block()).isInstanceOf(BeginResult.Claimed.class);
            // The holder dies here: it never renews. A retry every 1.5 s, each gap longer than the lease.
            BeginResult retry = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(12).toNanos();
            while (System.nanoTime() < deadline && !(retry instanceof BeginResult.Claimed)) {
                Thread.sleep(1500);
                retry = retrying.begin(key, IdempotencyRecord.inFlight(2L, fingerprint, Instant.now()), LEASE).block();
            }
            assertThat(retry).as("a retry after leases of Redis answering, with refreshes in between")
                .isInstanceOf(BeginResult.Claimed.class);
        }
    }
}
