package dev.idempotency.gateway.chaos;

import java.util.List;
import java.util.Random;

import dev.idempotency.gateway.chaos.ChaosHistory.Window;
import dev.idempotency.gateway.testsupport.DurableRedisServer;

/** One Redis with its append-only file, killed (SIGKILL) and restarted with its data every 6-12 s. */
final class StandaloneChaosStore implements ChaosStore {

    private final DurableRedisServer redis = DurableRedisServer.launch();

    @Override
    public List<String> gatewayProperties() {
        return List.of("idempotency.store=redis", "spring.data.redis.host=" + this.redis.host(),
                "spring.data.redis.port=" + this.redis.port(), "spring.data.redis.timeout=1s",
                "spring.data.redis.connect-timeout=1s");
    }

    @Override
    public FaultPause pause() {
        return new FaultPause(6_000, 12_000);
    }

    @Override
    public void fault(Random random, ChaosHistory history) {
        long from = System.nanoTime();
        this.redis.stop();
        ChaosClient.sleep(200 + random.nextInt(1300));
        this.redis.start();
        history.redisOutages.add(new Window(0, from, System.nanoTime()));
    }

    @Override
    public void close() {
        this.redis.close();
    }
}
