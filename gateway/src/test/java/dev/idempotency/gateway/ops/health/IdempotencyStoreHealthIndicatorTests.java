package dev.idempotency.gateway.ops.health;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.ReactiveRedisClusterConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code idempotencyStore} health check against a real Redis. Probes are served on the
 * management server's event loops, which in a deployment are the same loops that serve traffic,
 * so the check must never open a Redis connection (a blocking connect) on the thread that asks.
 */
class IdempotencyStoreHealthIndicatorTests {

    private RedisServer redis;

    private LettuceConnectionFactory lettuce;

    private final List<String> threadsThatOpenedAConnection = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        this.redis = RedisServer.launch();
        RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(this.redis.host(), this.redis.port());
        this.lettuce = new LettuceConnectionFactory(server,
                LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
        this.lettuce.afterPropertiesSet();
        this.lettuce.start();
    }

    @AfterEach
    void stop() {
        this.lettuce.destroy();
        this.redis.close();
    }

    @Test
    void upWhileRedisAnswersAndDownWhileItDoesNot() {
        IdempotencyStoreHealthIndicator indicator = new IdempotencyStoreHealthIndicator(this.lettuce);
        Health up = indicator.health().block(Duration.ofSeconds(5));
        assertThat(up.getStatus()).isEqualTo(Status.UP);
        assertThat(up.getDetails()).containsEntry("store", "redis");

        this.redis.stop();
        Health down = indicator.health().block(Duration.ofSeconds(5));
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails()).containsEntry("store", "redis");
    }

    @Test
    void neverOpensTheConnectionOnANonBlockingThread() {
        IdempotencyStoreHealthIndicator indicator = new IdempotencyStoreHealthIndicator(recordingThreads(this.lettuce));
        // As an event loop would: subscribe from a thread Reactor knows must never block.
        Health health = Mono.defer(indicator::health).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(5));
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(this.threadsThatOpenedAConnection).isNotEmpty()
            .allSatisfy(thread -> assertThat(thread).doesNotStartWith("non-blocking "));
    }

    private ReactiveRedisConnectionFactory recordingThreads(ReactiveRedisConnectionFactory factory) {
        return new ReactiveRedisConnectionFactory() {

            @Override
            public ReactiveRedisConnection getReactiveConnection() {
                record();
                return factory.getReactiveConnection();
            }

            @Override
            public ReactiveRedisClusterConnection getReactiveClusterConnection() {
                record();
                return factory.getReactiveClusterConnection();
            }

            @Override
            public DataAccessException translateExceptionIfPossible(RuntimeException ex) {
                return factory.translateExceptionIfPossible(ex);
            }

            private void record() {
                String thread = Thread.currentThread().getName();
                IdempotencyStoreHealthIndicatorTests.this.threadsThatOpenedAConnection
                    .add(Schedulers.isInNonBlockingThread() ? "non-blocking " + thread : thread);
            }
        };
    }
}
