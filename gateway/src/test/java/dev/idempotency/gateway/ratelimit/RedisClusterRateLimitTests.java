package dev.idempotency.gateway.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisClusterServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rate-limit suite with buckets in a real three-master Redis Cluster, through two gateway
 * replicas where the suite spreads requests (Bucket4j's compare-and-swap is one key, so one slot).
 */
class RedisClusterRateLimitTests extends RateLimitBehaviourContract {

    private RedisClusterServer cluster;

    private GatewayInstance secondReplica;

    @Override
    List<String> storeProperties() {
        this.cluster = RedisClusterServer.launch();
        return List.of(this.cluster.storeProperties());
    }

    @Override
    List<GatewayInstance> replicas() {
        if (this.secondReplica == null) {
            List<String> properties = new ArrayList<>(routes(this.fixture.upstream().baseUrl()));
            properties.addAll(List.of(this.cluster.storeProperties()));
            this.secondReplica = GatewayInstance.start(properties);
        }
        return List.of(this.fixture.gateway(), this.secondReplica);
    }

    @AfterAll
    void stopCluster() {
        if (this.secondReplica != null) {
            this.secondReplica.close();
        }
        if (this.cluster != null) {
            this.cluster.close();
        }
    }

    @Nested
    class ClusterTopology {

        @Test
        void bucketsOfManyClientsLandOnSeveralMastersAndExpire() {
            for (int i = 0; i < 30; i++) {
                assertThat(status(post("/limited/orders", newClient()))).isEqualTo(201);
            }
            Map<String, Integer> perNode = cluster.keysPerNode("rl:*");
            assertThat(perNode.values().stream().filter(count -> count > 0).count()).as("masters holding buckets: " + perNode)
                .isGreaterThanOrEqualTo(2);
            for (var node : cluster.nodes()) {
                String keys = node.command("KEYS", "rl:*");
                keys.lines().filter(line -> line.startsWith("rl:")).forEach(key -> {
                    long millis = Long.parseLong(node.command("PTTL", key).strip().substring(1));
                    assertThat(millis).as("PTTL of " + key).isPositive().isLessThanOrEqualTo(3_600_000L + 5_000L);
                });
            }
        }
    }
}
