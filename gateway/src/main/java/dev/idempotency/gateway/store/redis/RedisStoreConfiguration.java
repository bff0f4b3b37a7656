package dev.idempotency.gateway.store.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.resource.Delay;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.RecordEncryption;
import dev.idempotency.gateway.core.StorageIds;

/**
 * Wires the Redis store ({@code idempotency.store=redis}): records, in-flight counts, encryption,
 * replica acknowledgements, and how Lettuce behaves while Redis is away.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RedisStoreProperties.class)
public class RedisStoreConfiguration {

    static final long COMMAND_TIMER_TICK_MILLIS = 20;

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "idempotency", name = "store", havingValue = "redis")
    IdempotencyStore redisIdempotencyStore(ReactiveRedisConnectionFactory connectionFactory,
            RedisStoreProperties properties) {
        return new RedisIdempotencyStore(connectionFactory, properties.getRedis().getKeyPrefix(),
                storageIds(properties), recordEncryption(properties.getEncryption()),
                replicaAcknowledged(connectionFactory, properties.getRedis()));
    }

    private static ReplicaAcknowledgedCompletions replicaAcknowledged(ReactiveRedisConnectionFactory connectionFactory,
            RedisStoreProperties.Redis redis) {
        if (redis.getReplicaAcks() == 0) {
            return null;
        }
        if (!(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
            throw new IllegalStateException("idempotency.redis.replica-acks needs Spring Boot's Lettuce connection factory");
        }
        return new ReplicaAcknowledgedCompletions(lettuce.getRequiredNativeClient(), lettuce.getDatabase(),
                redis.getReplicaAcks(), redis.getReplicaAckTimeout());
    }

    /** Per-client counts of keys in flight, next to the records and named with the same keyed digest. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "idempotency", name = "store", havingValue = "redis")
    InFlightKeys redisInFlightKeys(ReactiveRedisConnectionFactory connectionFactory, RedisStoreProperties properties) {
        return new RedisInFlightKeys(connectionFactory, properties.getRedis().getKeyPrefix(), storageIds(properties));
    }

    private static StorageIds storageIds(RedisStoreProperties properties) {
        String secret = properties.getRedis().getKeyHashSecret();
        return (secret == null || secret.isEmpty()) ? StorageIds.sha256()
                : StorageIds.hmacSha256(secret.getBytes(StandardCharsets.UTF_8));
    }

    private static RecordEncryption recordEncryption(RedisStoreProperties.Encryption encryption) {
        if (encryption.getKeys().isEmpty()) {
            return null;
        }
        Map<String, byte[]> keys = new LinkedHashMap<>();
        encryption.getKeys().forEach((id, base64) -> {
            try {
                keys.put(id, Base64.getDecoder().decode(base64.trim()));
            }
            catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("idempotency.encryption.keys." + id + " is not valid base64", ex);
            }
        });
        String active = encryption.getActiveKey() != null ? encryption.getActiveKey()
                : (keys.size() == 1 ? keys.keySet().iterator().next() : null);
        if (active == null) {
            throw new IllegalArgumentException("idempotency.encryption.active-key must name one of " + keys.keySet());
        }
        return RecordEncryption.of(keys, active);
    }

    /**
     * With Redis down, Lettuce would queue commands until its timeout; rejecting them at once turns
     * an outage into a fast 503 instead of requests piling up.
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer failFastWhileDisconnected() {
        return options -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }

    /**
     * Lettuce backs off reconnects up to 30 s; capped at 2 s, the gateway serves again within
     * about two seconds of Redis coming back.
     */
    @Bean
    ClientResourcesBuilderCustomizer quickReconnect() {
        return resources -> resources.reconnectDelay(
                Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS));
    }

    /**
     * The wheel Lettuce times its commands out on ({@code spring.data.redis.timeout}), ticking every
     * {@value #COMMAND_TIMER_TICK_MILLIS} ms instead of Netty's 100. A command's timeout keeps the
     * command reachable until the next tick even when the answer came long before, and with it the
     * whole request that sent it: at 100 ms, 1,500 first requests a second left 2.6 MB of finished
     * requests for every young collection to copy, twice bare Spring Cloud Gateway's pause per
     * collection (bench/README.md, "Young collections in the tail"). A timeout now fires at most one
     * tick late; the price is the timer waking 50 times a second while the gateway idles.
     */
    @Bean(destroyMethod = "stop")
    HashedWheelTimer lettuceCommandTimer() {
        return new HashedWheelTimer(new DefaultThreadFactory("lettuce-timer", true), COMMAND_TIMER_TICK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    // Lettuce leaves a timer it was given running when it shuts down: the bean's stop() ends it.
    @Bean
    ClientResourcesBuilderCustomizer commandTimer(HashedWheelTimer lettuceCommandTimer) {
        return resources -> resources.timer(lettuceCommandTimer);
    }
}
