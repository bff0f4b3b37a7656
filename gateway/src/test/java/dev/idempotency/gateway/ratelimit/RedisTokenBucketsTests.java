package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis buckets below the gateway: compare-and-swap retries are bounded, so a bucket fought
 * over by many replicas answers "unavailable" instead of spinning.
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
}
