package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * N takes at once on a bucket of capacity K take exactly K tokens: none handed out twice, none
 * lost, in this JVM and across two replicas sharing Redis.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenBucketsConcurrencyTests {

    private static final int CAPACITY = 10;

    private static final int TAKERS = 32;

    private static final int ROUNDS = 10;

    /** No refill during a round: every token taken is one of the K. */
    private static final BucketDefinition DEFINITION = BucketDefinition.of(
            List.of(new Limit().setCapacity(CAPACITY).setRefillPeriod(Duration.ofHours(1))), "clientLimits", "client",
            new ArgumentCheck("test"));

    private RedisServer redis;

    private RedisClient client;

    @BeforeAll
    void start() {
        this.redis = RedisServer.launch();
        this.client = RedisClient.create(RedisURI.create(this.redis.host(), this.redis.port()));
    }

    @AfterAll
    void stop() {
        if (this.client != null) {
            this.client.shutdown();
        }
        if (this.redis != null) {
            this.redis.close();
        }
    }

    @Test
    void concurrentTakesOnALocalBucketTakeExactlyItsCapacity() throws Exception {
        LocalTokenBuckets buckets = new LocalTokenBuckets(1000);
        for (int round = 0; round < ROUNDS; round++) {
            String key = "route:test:client:" + UUID.randomUUID();
            assertThat(consumed(List.of(buckets), key)).as("round %d: tokens taken", round).isEqualTo(CAPACITY);
        }
    }

    @Test
    void concurrentTakesFromTwoReplicasOnARedisBucketTakeExactlyItsCapacity() throws Exception {
        RateLimitProperties.Redis settings = new RateLimitProperties.Redis();
        settings.setTimeout(Duration.ofSeconds(10));
        // Two replicas: Bucket4j batches the calls of one, so contention comes from more than one.
        List<RedisTokenBuckets> replicas = List.of(new RedisTokenBuckets(this.client, 0, settings),
                new RedisTokenBuckets(this.client, 0, settings));
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String key = "route:test:client:" + UUID.randomUUID();
                assertThat(consumed(replicas, key)).as("round %d: tokens taken", round).isEqualTo(CAPACITY);
            }
        }
        finally {
            replicas.forEach(RedisTokenBuckets::destroy);
        }
    }

    /** {@value #TAKERS} threads, spread over the replicas, each take one token at once; how many got one. */
    private static long consumed(List<? extends TokenBuckets> replicas, String key) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(TAKERS);
        try {
            CountDownLatch ready = new CountDownLatch(TAKERS);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> takes = new ArrayList<>();
            for (int i = 0; i < TAKERS; i++) {
                TokenBuckets buckets = replicas.get(i % replicas.size());
                takes.add(threads.submit(() -> {
                    ready.countDown();
                    go.await();
                    return buckets.tryConsume(key, DEFINITION).block(Duration.ofSeconds(20)).consumed();
                }));
            }
            ready.await();
            go.countDown();
            long consumed = 0;
            for (Future<Boolean> take : takes) {
                consumed += take.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            return consumed;
        }
        finally {
            threads.shutdownNow();
        }
    }
}
