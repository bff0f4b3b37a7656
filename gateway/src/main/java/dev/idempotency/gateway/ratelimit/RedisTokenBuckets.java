package dev.idempotency.gateway.ratelimit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.ClientSideConfig;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce.LettuceBasedProxyManagerBuilder;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.DisposableBean;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.idempotency.gateway.core.StoreUnavailableException;

/**
 * Buckets in Redis through Bucket4j's Lettuce proxy manager (compare-and-swap), shared by every
 * replica on the same Redis. Uses the Lettuce client Spring Boot built from
 * {@code spring.data.redis.*}, so address, password, TLS, timeouts and the fail-fast
 * disconnected behaviour are the idempotency store's.
 *
 * <p>Only Bucket4j's asynchronous API is used: a request thread never waits for Redis. The one
 * blocking step, opening the connection, runs on the bounded-elastic scheduler and is shared by all
 * requests waiting for it. A failed attempt is not remembered: the next request waits for a fresh
 * one rather than being refused (or let through unlimited) on the strength of an old failure,
 * which right after startup may have been a connect timeout while Redis was up. Once open,
 * Lettuce reconnects it by itself. Readiness waits for it ({@link #ready()}).
 *
 * <p>Standalone, Sentinel and Cluster clients work; Spring's static master/replica setup builds a
 * client without a URI, which cannot connect this way.
 */
final class RedisTokenBuckets implements TokenBuckets, DisposableBean {

    private static final Log logger = LogFactory.getLog(RedisTokenBuckets.class);

    // Reactor's marker for "cache forever".
    private static final Duration FOREVER = Duration.ofMillis(Long.MAX_VALUE);

    private final AbstractRedisClient client;

    private final int database;

    private final RateLimitProperties.Redis settings;

    private final Mono<AsyncProxyManager<byte[]>> proxyManager;

    private final Cache<String, AsyncBucketProxy> proxies = Caffeine.newBuilder()
        .maximumSize(10_000)
        .expireAfterAccess(Duration.ofMinutes(1))
        .build();

    private volatile StatefulConnection<byte[], byte[]> connection;

    RedisTokenBuckets(AbstractRedisClient client, int database, RateLimitProperties.Redis settings) {
        this.client = client;
        this.database = database;
        this.settings = settings;
        this.proxyManager = Mono.fromCallable(this::connect)
            .subscribeOn(Schedulers.boundedElastic())
            .cache(manager -> FOREVER, error -> Duration.ZERO, () -> Duration.ZERO);
    }

    /** Opens the connection in the background, so the first request does not wait for it. */
    void warmUp() {
        this.proxyManager.subscribe(manager -> {
        }, error -> logger.warn("Rate limiter could not connect to Redis yet; retrying on demand: " + error.getMessage()));
    }

    /** Completes once the connection is open, opening it if needed; fails when it cannot be opened. */
    @Override
    public Mono<Void> ready() {
        return this.proxyManager.then();
    }

    @Override
    public Mono<BucketProbe> tryConsume(String key, BucketDefinition definition) {
        return call(key, definition, "take a token",
                bucket -> bucket.asVerbose().tryConsumeAndReturnRemaining(1).thenApply(BucketProbe::of));
    }

    @Override
    public Mono<Void> giveBack(String key, BucketDefinition definition) {
        return call(key, definition, "give a token back", bucket -> bucket.addTokens(1)).then();
    }

    @Override
    public Mono<Void> charge(String key, BucketDefinition definition) {
        return call(key, definition, "charge a token", bucket -> bucket.consumeIgnoringRateLimits(1)).then();
    }

    /** The Redis key of a bucket; public for operators' tools and tests. */
    public String redisKey(String key) {
        return this.settings.getKeyPrefix() + key;
    }

    private <T> Mono<T> call(String key, BucketDefinition definition, String operation,
            Function<AsyncBucketProxy, CompletableFuture<T>> action) {
        return this.proxyManager
            .flatMap(manager -> Mono.fromFuture(() -> action.apply(proxy(manager, key, definition))))
            .onErrorMap(ex -> !(ex instanceof StoreUnavailableException), ex -> unavailable(operation, ex));
    }

    /**
     * One proxy per bucket, kept while in use, because Bucket4j batches per proxy: requests that
     * reach a hot bucket (a route ceiling) while its compare-and-swap is in flight are merged into
     * the next one, so contention grows with the number of replicas, not of requests.
     */
    private AsyncBucketProxy proxy(AsyncProxyManager<byte[]> manager, String key, BucketDefinition definition) {
        return this.proxies.get(key, k -> {
            CompletableFuture<BucketConfiguration> configuration = CompletableFuture.completedFuture(definition.configuration());
            return manager.builder()
                .withOptimization(Optimizations.batching())
                .build(redisKey(k).getBytes(StandardCharsets.UTF_8), () -> configuration);
        });
    }

    private static StoreUnavailableException unavailable(String operation, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return new StoreUnavailableException("Redis did not " + operation + ": " + cause, cause);
    }

    private AsyncProxyManager<byte[]> connect() {
        LettuceBasedProxyManagerBuilder<byte[]> connected;
        if (this.client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<byte[], byte[]> clusterConnection = cluster.connect(ByteArrayCodec.INSTANCE);
            this.connection = clusterConnection;
            connected = Bucket4jLettuce.casBasedBuilder(clusterConnection);
        }
        else {
            StatefulRedisConnection<byte[], byte[]> standalone = ((RedisClient) this.client).connect(ByteArrayCodec.INSTANCE);
            // Spring selects the database per connection rather than in the client's URI; do the same.
            if (this.database > 0) {
                standalone.sync().select(this.database);
            }
            this.connection = standalone;
            connected = Bucket4jLettuce.casBasedBuilder(standalone);
        }
        int maxRetries = this.settings.getMaxRetries();
        // Bucket4j 8.16's builder has no maxRetries(); without it a hot bucket retries its CAS forever.
        LettuceBasedProxyManagerBuilder<byte[]> bounded = new LettuceBasedProxyManagerBuilder<>(connected.getRedisApi()) {
            @Override
            public ClientSideConfig getClientSideConfig() {
                return super.getClientSideConfig().withMaxRetries(maxRetries);
            }
        };
        return bounded
            .expirationAfterWrite(ExpirationAfterWriteStrategy
                .basedOnTimeForRefillingBucketUpToMax(this.settings.getKeepAfterRefill()))
            .requestTimeout(this.settings.getTimeout())
            .build()
            .asAsync();
    }

    @Override
    public void destroy() {
        StatefulConnection<byte[], byte[]> open = this.connection;
        // Spring may have shut the client, and with it this connection, already.
        if (open != null && open.isOpen()) {
            open.close();
        }
    }
}
