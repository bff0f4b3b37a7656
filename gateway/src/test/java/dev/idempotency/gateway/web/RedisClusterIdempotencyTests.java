package dev.idempotency.gateway.web;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.testsupport.RedisClusterServer;

import static org.assertj.core.api.Assertions.assertThat;

/** The behaviour suite on a real three-master Redis Cluster ({@code spring.data.redis.cluster.nodes}). */
class RedisClusterIdempotencyTests extends IdempotencyBehaviourContract {

    private RedisClusterServer cluster;

    @Override
    List<String> storeProperties() {
        this.cluster = RedisClusterServer.launch();
        return List.of(this.cluster.storeProperties());
    }

    @AfterAll
    void stopCluster() {
        if (this.cluster != null) {
            this.cluster.close();
        }
    }

    @Nested
    class ClusterTopology {

        @Test
        void recordsOfOneRunLandOnSeveralMasters() {
            for (int i = 0; i < 40; i++) {
                String key = newKey();
                assertThat(send("/orders", key, "client-" + i, "{}").getStatus().value()).isEqualTo(201);
                assertThat(send("/orders", key, "client-" + i, "{}").getResponseHeaders().getFirst("Idempotent-Replayed"))
                    .isEqualTo("true");
            }
            Map<String, Integer> perNode = cluster.keysPerNode("idem:*");
            assertThat(perNode.values().stream().filter(count -> count > 0).count()).as("masters holding records: " + perNode)
                .isGreaterThanOrEqualTo(2);
        }
    }
}
