package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.ConcurrentCalls;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis buckets below the gateway: compare-and-swap retries are bounded, so a bucket fought
 * over by many replicas answers "unavailable" instead of spinning; takes from two replicas at once
 * never hand out a token twice (Bucket4j batches the calls of one replica, so contention needs two).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisTokenBucketsTests {

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
    void contendedCompareAndSwapGivesUpAfterMaxRetries() {
        RateLimitProperties.Redis settings = new RateLimitProperties.Redis();
        settings.setMaxRetries(1);
        settings.setTimeout(Duration.ofSeconds(5));
        BucketDefinition definition = BucketDefinition.of(List.of(new Limit().setCapacity(1_000_000)
            .setRefillPeriod(Duration.ofHours(1))), "clientLimits", "client", new ArgumentCheck("test"));
        // Each instance stands for one replica: Bucket4j batches within one, so contention comes from many.
        List<RedisTokenBuckets> replicas = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            replicas.add(new RedisTokenBuckets(this.client, 0, settings));
        }
        try {
            List<String> outcomes = Flux.range(0, 400)
                .flatMap(i -> replicas.get(i % replicas.size()).tryConsume("route:test:all:x", definition)
                    .map(probe -> probe.consumed() ? "consumed" : "refused")
                    .onErrorResume(StoreUnavailableException.class, ex -> Mono.just("gave up: " + ex.getMessage())), 64)
                .collectList()
                .block(Duration.ofSeconds(60));

            assertThat(outcomes).doesNotContain("refused");
            assertThat(outcomes).anySatisfy(outcome -> assertThat(outcome).startsWith("gave up").contains("retr"));
        }
        finally {
            replicas.forEach(RedisTokenBuckets::destroy);
        }
    }

    @Test
    void concurrentTakesFromTwoReplicasTakeExactlyTheBucketsCapacity() throws Exception {
        RateLimitProperties.Redis settings = new RateLimitProperties.Redis();
        settings.setTimeout(Duration.ofSeconds(10));
        List<RedisTokenBuckets> replicas = List.of(new RedisTokenBuckets(this.client, 0, settings),
                new RedisTokenBuckets(this.client, 0, settings));
        try {
            for (int round = 0; round < 10; round++) {
                String key = "route:test:client:" + UUID.randomUUID();
                List<Boolean> taken = ConcurrentCalls.race(IntStream.range(0, LocalTokenBucketsTests.TAKERS).boxed().toList(),
                        taker -> replicas.get(taker % replicas.size())
                            .tryConsume(key, LocalTokenBucketsTests.CAPACITY_10).block(Duration.ofSeconds(20)).consumed());
                assertThat(taken).as("round %d: tokens taken of 10", round).filteredOn(Boolean::booleanValue).hasSize(10);
            }
        }
        finally {
            replicas.forEach(RedisTokenBuckets::destroy);
        }
    }
}
