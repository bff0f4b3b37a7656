package dev.idempotency.gateway.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Random;

import dev.idempotency.gateway.chaos.ChaosHistory.Failover;
import dev.idempotency.gateway.testsupport.RedisClusterServer;
import dev.idempotency.gateway.testsupport.RedisClusterServer.Shard;
import dev.idempotency.gateway.testsupport.RedisServer;

/**
 * Three masters with a replica each (no persistence). A fault kills a master at random (SIGKILL);
 * its replica takes over its slots ({@code cluster-node-timeout} 2 s), and the killed node comes
 * back as the replica of its successor. The next fault waits until it has synced.
 */
final class ClusterChaosStore implements ChaosStore {

    private static final Duration SETTLE = Duration.ofSeconds(60);

    private final RedisClusterServer cluster = RedisClusterServer.launchWithReplicas();

    @Override
    public List<String> gatewayProperties() {
        // Lettuce learns a failover only from a topology refresh: adaptive (on a MOVED or persistent
        // reconnects, at most once per 30 s) and periodic, as Spring Boot's properties offer them.
        return List.of("idempotency.store=redis", "spring.data.redis.cluster.nodes=" + this.cluster.nodeAddresses(),
                "spring.data.redis.lettuce.cluster.refresh.adaptive=true",
                "spring.data.redis.lettuce.cluster.refresh.period=5s", "spring.data.redis.timeout=1s",
                "spring.data.redis.connect-timeout=1s");
    }

    @Override
    public FaultPause pause() {
        return FaultPause.FAILOVERS;
    }

    @Override
    public void fault(Random random, ChaosHistory history) {
        List<Shard> shards = this.cluster.shards();
        Shard shard = shards.get(random.nextInt(shards.size()));
        RedisServer victim = shard.master();
        long from = System.nanoTime();
        victim.stop();
        this.cluster.awaitFailedOver(victim, SETTLE);
        history.failovers.add(new Failover(victim.host() + ":" + victim.port(), from, System.nanoTime(), shard.slots()));
        victim.start();
        this.cluster.awaitReplica(victim, SETTLE);
    }

    @Override
    public int recordsFoundByName(List<ChaosHistory.Order> orders) {
        int found = 0;
        for (ChaosHistory.Order order : orders) {
            String key = ChaosHistory.recordKey(order.client(), order.key());
            // The master of the key's slot answers 1; every other node answers MOVED.
            if (this.cluster.nodes().stream().anyMatch(node -> node.command("EXISTS", key).startsWith(":1"))) {
                found++;
            }
        }
        return found;
    }

    @Override
    public void close() {
        this.cluster.close();
    }
}
